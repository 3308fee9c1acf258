// The ELF files a uprobe or usdt attach point names in its file part, and the process -p
// names, whose mapped files those probes may look into.
#pragma once
#include <string>
#include <vector>

#include "src/ast/ast.h"
#include "src/diag/diag.h"

namespace scry {

// The process -p names (0: none). Set once, before expanding or listing probes.
void set_target_pid(int pid);
int target_pid();

// The -c command's program (its first word), for probes in "the traced program".
void set_target_command(const std::string& program);
// The program -p or -c names: -p's /proc/PID/exe, or -c's program found as the shell would
// (a path, or a name in PATH); "" if neither.
std::string target_binary();

// The executable files mapped by process `pid`, in the order of its memory map, each as a path
// this process can open: as the process names it, or, when that path is another file here (the
// process runs in another mount namespace), through /proc/PID/root.
std::vector<std::string> process_binaries(int pid);

// The files a file part names:
//  - a path or a library's short name (libc): that file (with -p, a path only the process
//    sees, in its mount namespace, through /proc/PID/root);
//  - a pattern with wildcards: with -p, the process's files that match it; a pattern with a
//    '/' also matches files on disk (./bin/app*);
//  - nothing: with -p, every file the process has mapped.
std::vector<std::string> binaries_named(const std::string& file);

// Reports that the file part `file` of `ap` names no file; false, for expand to return.
bool no_binary(const AttachPoint& ap, const std::string& file, Diagnostics& diags);

}  // namespace scry
