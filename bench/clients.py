#!/usr/bin/env python3
"""Small bounded clients for the bench (127.0.0.1 only; every loop bounded in count and time).

  login PORT USERS ACCESS_OUT REFRESH_OUT   log every seeded user in once (8 at a time); writes the tokens
  storm PORT N TIMEOUT_S                    S5: N connections, half idle, half trickling a request head one byte
                                            a second; reports how many the server closed and when
  abort PORT USERS N                        S6: N logins whose clients vanish mid-hash, then checks the server
                                            still answers correctly
"""
import concurrent.futures
import http.client
import json
import selectors
import socket
import struct
import sys
import time

HOST = "127.0.0.1"


def read_users(path):
    with open(path) as f:
        return [tuple(line.rstrip("\n").split("\t", 1)) for line in f if "\t" in line]


def login(port, email, password, timeout=30):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("POST", "/api/v1/auth/login", json.dumps({"email": email, "password": password}),
                     {"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def cmd_login(port, users_path, access_out, refresh_out):
    users = read_users(users_path)
    results = [None] * len(users)

    def one(i):
        for _ in range(20):  # bounded retries: 503 when the slow pool is full
            status, body = login(port, *users[i])
            if status == 200:
                data = json.loads(body)
                results[i] = (data["access_token"], data["refresh_token"])
                return
            time.sleep(0.05)
        raise RuntimeError(f"login of {users[i][0]} failed: {status} {body[:200]!r}")

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(len(users))))
    with open(access_out, "w") as a, open(refresh_out, "w") as r:
        for access, refresh in results:
            a.write(access + "\n")
            r.write(refresh + "\n")
    print(f"logged in {len(users)} users")


def cmd_storm(port, count, timeout_s):
    sel = selectors.DefaultSelector()
    head = b"GET /api/v1/users/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 4000
    socks, opened_at, closed_after, sent = [], {}, {}, {}
    refused = 0
    for i in range(count):
        s = socket.socket()
        s.setblocking(True)
        s.settimeout(5)
        try:
            s.connect((HOST, port))
        except OSError:
            refused += 1
            s.close()
            continue
        s.setblocking(False)
        socks.append(s)
        opened_at[s] = time.monotonic()
        sent[s] = 0
        sel.register(s, selectors.EVENT_READ, i % 2)  # 0 = idle, 1 = slow head
    deadline = time.monotonic() + timeout_s + 15
    next_trickle = time.monotonic()
    answered_503 = 0
    while len(closed_after) < len(socks) and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except (ConnectionResetError, BlockingIOError):
                data = b""
            if data.startswith(b"HTTP/1.1 503"):
                answered_503 += 1
            if not data or b"HTTP/1.1" in data:
                closed_after[s] = time.monotonic() - opened_at[s]
                sel.unregister(s)
        if time.monotonic() >= next_trickle:
            next_trickle += 1.0
            for s in socks:
                if s in closed_after or sel.get_key(s).data != 1 or sent[s] >= len(head):
                    continue
                try:
                    sent[s] += s.send(head[sent[s]:sent[s] + 1])
                except OSError:
                    pass
    for s in socks:
        s.close()
    times = sorted(closed_after.values())
    result = {
        "opened": len(socks), "refused": refused, "closed_by_server": len(times), "busy_503": answered_503,
        "closed_max_s": round(times[-1], 2) if times else None,
        "closed_median_s": round(times[len(times) // 2], 2) if times else None,
    }
    print(json.dumps(result))


def cmd_abort(port, users_path, count):
    users = read_users(users_path)

    def one(i):
        email, password = users[i % len(users)]
        body = json.dumps({"email": email, "password": password}).encode()
        s = socket.create_connection((HOST, port), timeout=5)
        s.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        time.sleep(0.002 + (i % 10) * 0.002)  # gone while the hash runs (≈ 16 ms)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not FIN
        s.close()

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(one, range(count)))
    time.sleep(1)  # let the pool drain the abandoned hashes before checking the next requests
    ok = 0
    for i in range(5):
        status, _ = login(port, *users[(i * 37) % len(users)])
        ok += status == 200
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    conn.request("GET", "/ready")
    ready = conn.getresponse().status
    conn.close()
    print(json.dumps({"aborted": count, "next_logins_ok": ok, "next_logins": 5, "ready": ready}))


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "login" and len(argv) == 6:
        cmd_login(int(argv[2]), argv[3], argv[4], argv[5])
    elif cmd == "storm" and len(argv) == 5:
        cmd_storm(int(argv[2]), min(int(argv[3]), 5000), float(argv[4]))
    elif cmd == "abort" and len(argv) == 5:
        cmd_abort(int(argv[2]), argv[3], min(int(argv[4]), 5000))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
