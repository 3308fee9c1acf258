#!/usr/bin/python3
"""What the tools' tests do, one command each: clients.py COMMAND ARGS..."""
import ctypes
import http.client
import os
import socket
import ssl
import sys
import time
import urllib.request


def https(url, ca):
    """GET over TLS with python's ssl (OpenSSL's SSL_write_ex/SSL_read_ex)."""
    ctx = ssl.create_default_context(cafile=ca)
    with urllib.request.urlopen(url, context=ctx) as r:
        print(r.status, len(r.read()))


def post(port, path):
    """POST over plain TCP (send/recv system calls)."""
    c = http.client.HTTPConnection("127.0.0.1", int(port))
    c.request("POST", path, body=b"hello")
    r = c.getresponse()
    print(r.status, r.read())


def resolve():
    """A name found, a name refused without asking any server, and gethostbyname."""
    print(socket.getaddrinfo("localhost", 80)[0][4])
    try:
        socket.getaddrinfo("not-a-number", None, flags=socket.AI_NUMERICHOST)
    except socket.gaierror as e:
        print(e)
    print(socket.gethostbyname("localhost"))


libc = ctypes.CDLL(None, use_errno=True)


def ptrace():
    """Attach to a child and detach; then attach to a pid that no longer exists (ESRCH)."""
    child = os.fork()
    if child == 0:
        time.sleep(3)
        os._exit(0)
    print(libc.ptrace(16, child, 0, 0))  # PTRACE_ATTACH
    os.waitpid(child, 0)  # it stops
    print(libc.ptrace(17, child, 0, 0))  # PTRACE_DETACH
    gone = os.fork()
    if gone == 0:
        os._exit(0)
    os.waitpid(gone, 0)
    print(libc.ptrace(16, gone, 0, 0))
    os.kill(child, 9)
    os.waitpid(child, 0)


def setuid():
    """Privilege changes that work (as root), then one refused (EPERM) once they are dropped."""
    os.setresgid(-1, 65534, -1)
    os.setresuid(-1, 65534, -1)
    os.setresuid(-1, 0, -1)
    os.setresgid(65534, 65534, 65534)
    os.setresuid(65534, 65534, 65534)
    try:
        os.setuid(0)
    except PermissionError as e:
        print(e)


def finit_module():
    """finit_module(-1): refused (EBADF) before anything is loaded; delete_module of a module
    that is not loaded (ENOENT)."""
    print(libc.syscall(313, -1, b"", 0), ctypes.get_errno())
    print(libc.syscall(176, b"scry_no_such_module", 0), ctypes.get_errno())


def load_module(path):
    """Loads the module file at path (finit_module; an .xz file decompressed by the kernel,
    MODULE_INIT_COMPRESSED_FILE), then removes it (delete_module)."""
    name = os.path.basename(path).split(".")[0]
    with open(path, "rb") as f:
        rc = libc.syscall(313, f.fileno(), b"", 4 if path.endswith(".xz") else 0)
        print("finit_module", rc, ctypes.get_errno())
    print("delete_module", libc.syscall(176, name.encode(), 0o4000), ctypes.get_errno())  # O_NONBLOCK


if __name__ == "__main__":
    globals()[sys.argv[1]](*sys.argv[2:])
