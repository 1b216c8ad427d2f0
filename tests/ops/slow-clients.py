#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Clients that hold an HTTP server's connections by trickling a request.
# usage: slow-clients.py flood PORT N SOURCE   N connections from SOURCE (a
#            127.x address), each sending a header byte every 0.5 s; prints
#            "open" once they connected, and keeps at it until killed
#        slow-clients.py deadline PORT SOURCE  one connection, a byte every
#            second: prints how many seconds until the server closed it
import socket, sys, time

def connect(port, source):
    s = socket.socket()
    s.bind((source, 0))
    s.settimeout(2)
    s.connect(("127.0.0.1", port))
    return s

def flood(port, n, source):
    socks = []
    for _ in range(n):
        try:
            socks.append(connect(port, source))
        except OSError:
            pass
    print("open", len(socks), flush=True)
    line = b"GET /metrics HTTP/1.1\r\nX-Slow: " + b"a" * 10000
    i = 0
    while True:
        for s in socks:
            try:
                s.send(line[i:i + 1])
            except OSError:
                pass
        i = (i + 1) % len(line)
        time.sleep(0.5)

def deadline(port, source):
    s = connect(port, source)
    s.settimeout(0.05)
    start = time.monotonic()
    line = b"GET /metrics HTTP/1.1\r\nX-Slow: " + b"a" * 10000
    i = 0
    while time.monotonic() - start < 30:
        try:
            s.send(line[i:i + 1])
            if s.recv(100) == b"":
                break
        except socket.timeout:
            pass
        except OSError:
            break
        i += 1
        time.sleep(0.95)
    print("%.1f" % (time.monotonic() - start))

if sys.argv[1] == "flood":
    flood(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
else:
    deadline(int(sys.argv[2]), sys.argv[3])
