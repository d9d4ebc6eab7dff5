# SPDX-License-Identifier: BSD-2-Clause
# Finds the C dependencies through pkg-config and names the Debian package
# that provides each one when it is missing.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: apt-get install pkg-config")
endif()

function(bpfgauge_require_pkg var module apt_pkg)
  pkg_check_modules(${var} QUIET IMPORTED_TARGET ${module})
  if(NOT ${var}_FOUND)
    message(FATAL_ERROR "${module} not found: apt-get install ${apt_pkg}")
  endif()
  message(STATUS "bpfgauge: ${module} ${${var}_VERSION}")
  set(${var}_VERSION "${${var}_VERSION}" PARENT_SCOPE)
endfunction()

bpfgauge_require_pkg(LIBBPF "libbpf>=1.1" libbpf-dev)
bpfgauge_require_pkg(LIBELF libelf libelf-dev)
bpfgauge_require_pkg(ZLIB zlib zlib1g-dev)
bpfgauge_require_pkg(SQLITE3 sqlite3 libsqlite3-dev)

find_program(BPFTOOL bpftool PATHS /usr/sbin /sbin)
if(NOT BPFTOOL)
  message(WARNING "bpftool not found (apt-get install bpftool): skeleton tests are disabled")
endif()
