# SPDX-License-Identifier: BSD-2-Clause
# What `cmake --install` and the Debian package (CPack) put where. The tree is
# relocatable: the binary finds ../lib/bpfgauge/libbpfgauge-pass-N.so from its
# own path, and the pkg-config file, the CMake package and the Makefile
# include compute the prefix from their own location.
#   bin/bpfgauge                          lib/bpfgauge/libbpfgauge-pass-N.so
#   lib/libbpfgauge.so.0, libbpfgauge.a   include/bpfgauge/*.h, bpf/bpfgauge.h
#   lib/pkgconfig/bpfgauge.pc             lib/cmake/bpfgauge/
#   share/bpfgauge/bpfgauge.mk            share/man/man8/bpfgauge*.8
#   share/bash-completion/completions/bpfgauge
include(CMakePackageConfigHelpers)
set(_pk ${PROJECT_SOURCE_DIR}/packaging)
set(_gen ${PROJECT_BINARY_DIR}/packaging)

install(FILES ${PROJECT_SOURCE_DIR}/bpf/include/bpfgauge.h DESTINATION include/bpfgauge/bpf)

configure_file(${_pk}/bpfgauge.pc.in ${_gen}/bpfgauge.pc @ONLY)
install(FILES ${_gen}/bpfgauge.pc DESTINATION lib/pkgconfig)

configure_file(${_pk}/bpfgaugeConfig.cmake.in ${_gen}/bpfgaugeConfig.cmake @ONLY)
write_basic_package_version_file(${_gen}/bpfgaugeConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${_gen}/bpfgaugeConfig.cmake ${_gen}/bpfgaugeConfigVersion.cmake
              ${_pk}/bpfgaugeBPF.cmake DESTINATION lib/cmake/bpfgauge)

install(FILES ${_pk}/bpfgauge.mk DESTINATION share/bpfgauge)
install(FILES ${_pk}/bpfgauge.bash-completion DESTINATION share/bash-completion/completions
        RENAME bpfgauge)

# man pages: bpfgauge(8) and one per object, all from docs/man/*.md
file(GLOB _man_srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/man/bpfgauge*.md)
set(_man_pages "")
foreach(src ${_man_srcs})
  get_filename_component(n ${src} NAME_WE)
  set(out ${_gen}/man/${n}.8)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${_gen}/man
    COMMAND sh ${PROJECT_SOURCE_DIR}/scripts/mkman.sh ${src} ${PROJECT_VERSION} ${out}
    DEPENDS ${src} ${PROJECT_SOURCE_DIR}/docs/man/common.md ${PROJECT_SOURCE_DIR}/scripts/mkman.sh
    COMMENT "man page ${n}(8)" VERBATIM)
  list(APPEND _man_pages ${out})
endforeach()
add_custom_target(bpfgauge_man ALL DEPENDS ${_man_pages})
install(FILES ${_man_pages} DESTINATION share/man/man8)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION share/doc/bpfgauge)

# Debian package: cpack -G DEB (in the build dir) -> bpfgauge_<ver>_<arch>.deb,
# installs under /usr; `apt install ./bpfgauge_*.deb` pulls the libraries.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME bpfgauge)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "bpfgauge maintainers <bpfgauge@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "coverage and verifier-complexity tracking for eBPF programs")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
# a shlibs file and the ldconfig trigger for libbpfgauge.so.0
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libbpf1 (>= 1:1.1), libelf1, zlib1g, libsqlite3-0, libc6")
set(_recommends "bpftool")
foreach(v ${BPFGAUGE_LLVM_MAJORS})
  string(APPEND _recommends ", clang-${v}")
endforeach()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "${_recommends}")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "lcov, libbpf-dev, pkg-config, cmake")
include(CPack)
