#!/usr/bin/python3
"""DNS helpers for dns.bats, standard library only.

  dns_tool.py serve ADDR LOG      a fake upstream on ADDR:53 (UDP and TCP): up.example
                                  is 192.0.2.7, big.example 100 addresses (cut with TC
                                  over UDP), every other name NXDOMAIN; each query name
                                  is appended to LOG, with " tcp" when it came over TCP
  dns_tool.py query [--tcp] [--type T] SERVER NAME
                                  prints "RCODE addr..." of the answer (A, AAAA records),
                                  with "tc" after RCODE when truncated, "ptr=NAME" for PTR
  dns_tool.py raw SERVER HEX      sends HEX as one UDP packet, prints the reply's rcode
                                  or "none" when nothing comes back within a second
"""
import os
import socket
import struct
import sys
import threading

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}
TYPES = {"a": 1, "ptr": 12, "aaaa": 28, "mx": 15, "any": 255}


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def read_name(msg, off):
    labels, jumped, end = [], False, off
    while True:
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if not jumped:
                end = off + 2
            off = ((n & 0x3F) << 8) | msg[off + 1]
            jumped = True
            continue
        if n == 0:
            return ".".join(labels), (end if jumped else off + 1)
        labels.append(msg[off + 1 : off + 1 + n].decode())
        off += 1 + n


def question(msg):
    name, off = read_name(msg, 12)
    qtype, qclass = struct.unpack("!HH", msg[off : off + 4])
    return name, qtype, qclass, off + 4


def upstream_answer(msg, log, tcp):
    name, qtype, _, qend = question(msg)
    with open(log, "a") as f:
        f.write(name + (" tcp" if tcp else "") + "\n")
    flags = 0x8180
    addrs = []
    if name.lower() == "up.example":
        addrs = ["192.0.2.7"] if qtype == 1 else []
    elif name.lower() == "big.example":
        addrs = ["198.51.100.%d" % i for i in range(1, 101)] if qtype == 1 else []
    else:
        flags |= 3
    answers = [b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(a) for a in addrs]
    room = (65535 if tcp else 512) - qend
    if len(answers) * 16 > room:
        answers = answers[: room // 16]
        flags |= 0x0200
    hdr = msg[:2] + struct.pack("!HHHHH", flags, 1, len(answers), 0, 0)
    return hdr + msg[12:qend] + b"".join(answers)


def serve(addr, log):
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((addr, 53))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((addr, 53))
    tcp.listen(8)

    def tcp_loop():
        while True:
            c, _ = tcp.accept()
            n = struct.unpack("!H", recv_all(c, 2))[0]
            r = upstream_answer(recv_all(c, n), log, True)
            c.sendall(struct.pack("!H", len(r)) + r)
            c.close()

    threading.Thread(target=tcp_loop, daemon=True).start()
    print("ready", flush=True)
    while True:
        msg, peer = udp.recvfrom(4096)
        udp.sendto(upstream_answer(msg, log, False), peer)


def recv_all(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError("connection closed")
        data += chunk
    return data


def query(server, name, qtype, tcp):
    q = struct.pack("!HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + encode_name(name)
    q += struct.pack("!HH", qtype, 1)
    if tcp:
        s = socket.create_connection((server, 53), timeout=30)
        s.sendall(struct.pack("!H", len(q)) + q)
        r = recv_all(s, struct.unpack("!H", recv_all(s, 2))[0])
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(30)
        s.sendto(q, (server, 53))
        r = s.recv(4096)
    assert r[:2] == b"\x42\x42", "reply id"
    flags, qd, an = struct.unpack("!HHH", r[2:8])
    # Resolvers match an answer to its query by the question: every reply repeats it.
    assert qd == 1 and question(r)[0].lower() == name.rstrip(".").lower(), "reply question"
    out = [RCODES.get(flags & 0xF, str(flags & 0xF))]
    if flags & 0x0200:
        out.append("tc")
    off = question(r)[3] if qd else 12
    for _ in range(an):
        _, off = read_name(r, off)
        rtype, _, _, rdlen = struct.unpack("!HHIH", r[off : off + 10])
        off += 10
        if rtype == 1:
            out.append(socket.inet_ntoa(r[off : off + 4]))
        elif rtype == 28:
            out.append(socket.inet_ntop(socket.AF_INET6, r[off : off + 16]))
        elif rtype == 12:
            out.append("ptr=" + read_name(r, off)[0])
        off += rdlen
    print(" ".join(out))


def raw(server, hexdata):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # A reply may take long on a loaded machine: 30 s. A check that expects none sets
    # RAW_TIMEOUT (a correct responder never answers, so a short wait cannot mislead).
    s.settimeout(float(os.environ.get("RAW_TIMEOUT", "30")))
    s.sendto(bytes.fromhex(hexdata), (server, 53))
    try:
        r = s.recv(4096)
    except socket.timeout:
        print("none")
        return
    print(RCODES.get(r[3] & 0xF, str(r[3] & 0xF)) if len(r) >= 12 else "short")


def main(argv):
    if argv[0] == "serve":
        serve(argv[1], argv[2])
    elif argv[0] == "query":
        args, tcp, qtype = argv[1:], False, 1
        while args[0].startswith("--"):
            if args[0] == "--tcp":
                tcp, args = True, args[1:]
            else:
                qtype, args = TYPES[args[1]], args[2:]
        query(args[0], args[1], qtype, tcp)
    elif argv[0] == "raw":
        raw(argv[1], argv[2])
    else:
        sys.exit("unknown mode " + argv[0])


if __name__ == "__main__":
    main(sys.argv[1:])
