# SPDX-License-Identifier: BSD-2-Clause
# Cross toolchain for the aarch64 guest CLI (cli/static/arm64): Debian's
# gcc-aarch64-linux-gnu with the arm64 multiarch libraries (libbpf-dev:arm64,
# libelf-dev:arm64, zlib1g-dev:arm64, libsqlite3-dev:arm64).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu)
