# SPDX-License-Identifier: BSD-2-Clause
# bpfgauge_add_bpf_object(NAME SOURCES src.bpf.c... [COVERAGE] [SKELETON]
#                         [MODE hits|counts] [INCLUDES dir...] [CFLAGS flag...]
#                         [CLANG path])
#
# Compiles BPF C into ${CMAKE_CURRENT_BINARY_DIR}/NAME.bpf.o (several sources
# are compiled one by one, then linked with `bpftool gen object`), as the
# custom target NAME (built by ALL). COVERAGE loads the bpfgauge pass plugin
# (MODE, default counts). SKELETON also generates NAME.skel.h with `bpftool
# gen skeleton` and adds the INTERFACE library NAME_skel: link it to get the
# header's directory. Sets NAME_BPF_OBJECT and NAME_SKELETON in the caller's
# scope, and the target properties BPF_OBJECT and SKELETON_HEADER.
#
# The clang: CLANG, else the cache variable BPFGAUGE_BPF_CLANG, else the
# newest clang-N with an installed pass plugin, else clang.
include_guard(GLOBAL)

function(_bpfgauge_pick_clang out)
  if(BPFGAUGE_BPF_CLANG)
    set(${out} "${BPFGAUGE_BPF_CLANG}" PARENT_SCOPE)
    return()
  endif()
  set(_majors ${bpfgauge_LLVM_MAJORS})
  list(REVERSE _majors)
  foreach(v ${_majors})
    find_program(_bpfgauge_clang_${v} clang-${v} PATHS /usr/lib/llvm-${v}/bin)
    if(_bpfgauge_clang_${v})
      set(${out} "${_bpfgauge_clang_${v}}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  find_program(_bpfgauge_clang clang)
  set(${out} "${_bpfgauge_clang}" PARENT_SCOPE)
endfunction()

function(bpfgauge_add_bpf_object name)
  cmake_parse_arguments(PARSE_ARGV 1 A "COVERAGE;SKELETON" "MODE;CLANG" "SOURCES;INCLUDES;CFLAGS")
  if(A_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "bpfgauge_add_bpf_object(${name}): unknown arguments ${A_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT A_SOURCES)
    message(FATAL_ERROR "bpfgauge_add_bpf_object(${name}): SOURCES is required")
  endif()
  if(NOT A_MODE)
    set(A_MODE counts)
  endif()
  if(NOT A_MODE MATCHES "^(hits|counts)$")
    message(FATAL_ERROR "bpfgauge_add_bpf_object(${name}): MODE must be hits or counts, not ${A_MODE}")
  endif()
  set(clang "${A_CLANG}")
  if(NOT clang)
    _bpfgauge_pick_clang(clang)
  endif()
  if(NOT clang)
    message(FATAL_ERROR "bpfgauge_add_bpf_object(${name}): no clang found (apt-get install clang-NN, or set BPFGAUGE_BPF_CLANG)")
  endif()

  # the BPF target architecture for bpf_tracing.h
  set(arch x86)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
    set(arch arm64)
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "riscv")
    set(arch riscv)
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "s390")
    set(arch s390)
  endif()
  set(flags -g -O2 -target bpf -D__TARGET_ARCH_${arch} -I${bpfgauge_BPF_INCLUDE_DIR})
  foreach(d ${A_INCLUDES})
    get_filename_component(d "${d}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND flags -I${d})
  endforeach()
  if(EXISTS /usr/include/${CMAKE_LIBRARY_ARCHITECTURE}/asm/types.h)
    list(APPEND flags -idirafter /usr/include/${CMAKE_LIBRARY_ARCHITECTURE})
  endif()
  list(APPEND flags ${A_CFLAGS})
  set(deps "")
  if(A_COVERAGE)
    execute_process(COMMAND ${clang} --version OUTPUT_VARIABLE _v ERROR_QUIET)
    if(NOT _v MATCHES "clang version ([0-9]+)")
      message(FATAL_ERROR "bpfgauge_add_bpf_object(${name}): cannot tell the LLVM major of ${clang}")
    endif()
    set(major ${CMAKE_MATCH_1})
    set(plugin "${bpfgauge_PASS_DIR}/libbpfgauge-pass-${major}.so")
    if(NOT EXISTS "${plugin}")
      message(FATAL_ERROR "bpfgauge_add_bpf_object(${name}): ${clang} is clang ${major}, but bpfgauge "
              "has pass plugins for LLVM '${bpfgauge_LLVM_MAJORS}' only (set BPFGAUGE_BPF_CLANG)")
    endif()
    list(APPEND flags -fplugin=${plugin} -fpass-plugin=${plugin} -mllvm -bpfgauge-mode=${A_MODE})
    list(APPEND deps ${plugin})
  endif()

  set(what "")
  if(A_COVERAGE)
    set(what " (coverage, ${A_MODE})")
  endif()
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/${name}.bpf.dir)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${name}.bpf.o)
  set(objs "")
  foreach(src ${A_SOURCES})
    get_filename_component(src "${src}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    get_filename_component(base "${src}" NAME_WE)
    list(LENGTH A_SOURCES n)
    if(n EQUAL 1)
      set(obj ${out})
    else()
      set(obj ${dir}/${base}.o)
    endif()
    add_custom_command(OUTPUT ${obj}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
      COMMAND ${clang} ${flags} -MD -MF ${dir}/${base}.d -c ${src} -o ${obj}
      DEPENDS ${src} ${deps}
      DEPFILE ${dir}/${base}.d
      COMMENT "BPF ${name}: ${base}${what}" VERBATIM)
    list(APPEND objs ${obj})
  endforeach()
  list(LENGTH objs n)
  if(n GREATER 1 OR A_SKELETON)
    find_program(BPFGAUGE_BPFTOOL bpftool PATHS /usr/sbin /sbin)
    if(NOT BPFGAUGE_BPFTOOL)
      message(FATAL_ERROR "bpfgauge_add_bpf_object(${name}): bpftool not found (apt-get install bpftool)")
    endif()
  endif()
  if(n GREATER 1)
    add_custom_command(OUTPUT ${out}
      COMMAND ${BPFGAUGE_BPFTOOL} gen object ${out} ${objs}
      DEPENDS ${objs} COMMENT "BPF ${name}: link" VERBATIM)
  endif()
  set(outputs ${out})
  if(A_SKELETON)
    set(skel ${CMAKE_CURRENT_BINARY_DIR}/${name}.skel.h)
    add_custom_command(OUTPUT ${skel}
      COMMAND sh -c "'${BPFGAUGE_BPFTOOL}' gen skeleton '${out}' name '${name}' > '${skel}.tmp' && mv '${skel}.tmp' '${skel}'"
      DEPENDS ${out} COMMENT "BPF ${name}: skeleton" VERBATIM)
    list(APPEND outputs ${skel})
  endif()
  add_custom_target(${name} ALL DEPENDS ${outputs})
  set_target_properties(${name} PROPERTIES BPF_OBJECT ${out})
  set(${name}_BPF_OBJECT ${out} PARENT_SCOPE)
  if(A_SKELETON)
    set_target_properties(${name} PROPERTIES SKELETON_HEADER ${skel})
    set(${name}_SKELETON ${skel} PARENT_SCOPE)
    add_library(${name}_skel INTERFACE)
    target_include_directories(${name}_skel INTERFACE ${CMAKE_CURRENT_BINARY_DIR})
    add_dependencies(${name}_skel ${name})
  endif()
endfunction()
