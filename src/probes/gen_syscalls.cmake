# Generates the x86-64 system call number table from the kernel's uapi header (linux-libc-dev).
# The numbers are ABI: they never change, so the build machine's header is right for any kernel;
# newer system calls missing from it are attached one by one instead.
file(STRINGS "${UNISTD}" lines REGEX "^#define __NR_[a-z0-9_]+ [0-9]+$")
set(out "// Generated from ${UNISTD} by gen_syscalls.cmake.\n")
foreach(line ${lines})
  string(REGEX REPLACE "^#define __NR_([a-z0-9_]+) ([0-9]+)$" "{\"\\1\", \\2},\n" entry "${line}")
  string(APPEND out "${entry}")
endforeach()
file(WRITE "${OUT}" "${out}")
