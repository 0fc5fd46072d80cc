#!/usr/bin/env python3
"""Admin API latency bench: p50/p95 of the scenarios below against a running server, then the export rate.

Usage: measure.py PORT TOKEN USERS SAMPLES EXPORT_SECONDS BASE_MS
The deep-page cursor is built white-box (the format of UserDirectory's opaque cursor) so the bench need not walk
900k rows first.
"""
import base64, http.client, json, random, statistics, sys, time

port, token, users, samples, export_seconds, base_ms = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
headers = {"Authorization": "Bearer " + token}
conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
random.seed(7)


def get(path):
    start = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    if response.status != 200:
        raise SystemExit("%s answered %d: %s" % (path, response.status, body[:300]))
    return elapsed, json.loads(body)


def cursor_at(i):
    import hashlib, uuid
    uid = str(uuid.UUID(hashlib.md5(("user%d" % i).encode()).hexdigest()))
    raw = json.dumps({"s": "created", "o": "asc", "k": base_ms + i * 1000, "i": uid}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def actor(i):
    import hashlib, uuid
    return str(uuid.UUID(hashlib.md5(("user%d" % i).encode()).hexdigest()))


scenarios = {
    "users first page (limit 50)": lambda: "/api/v1/admin/users?limit=50",
    "users first page, newest first": lambda: "/api/v1/admin/users?limit=50&order=desc",
    "users deep page (900k in)": lambda: "/api/v1/admin/users?limit=50&cursor=" + cursor_at(int(users * 0.9) + random.randint(0, 1000)),
    "users substring search (q)": lambda: "/api/v1/admin/users?limit=50&q=%d" % random.randint(100000, 999999),
    "users prefix search by name": lambda: "/api/v1/admin/users?limit=50&q=bench%%20user%%20%d" % random.randint(10000, 99999),
    "users filter status=disabled": lambda: "/api/v1/admin/users?limit=50&status=disabled",
    "audit newest page": lambda: "/api/v1/admin/audit?limit=50",
    "audit filter type": lambda: "/api/v1/admin/audit?limit=50&type=auth.login.failed",
    "audit filter actor": lambda: "/api/v1/admin/audit?limit=50&actor=" + actor(random.randint(1, users)),
    "audit filter ip + time range": lambda: "/api/v1/admin/audit?limit=50&ip=10.%d.%d.3&from=2000-01-01T00:00:00Z" % (random.randint(0, 249), random.randint(0, 249)),
}

print("%-34s %8s %8s %8s" % ("scenario", "p50 ms", "p95 ms", "max ms"))
results = {}
for name, make in scenarios.items():
    get(make())  # warm-up
    times = sorted(get(make())[0] for _ in range(samples))
    p50 = statistics.median(times)
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    results[name] = (p50, p95)
    print("%-34s %8.1f %8.1f %8.1f" % (name, p50, p95, times[-1]), flush=True)

# Export: NDJSON lines received per second, bounded by export_seconds.
export = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
export.request("GET", "/api/v1/admin/audit/export?format=ndjson", headers=headers)
response = export.getresponse()
lines = 0
start = time.perf_counter()
while time.perf_counter() - start < export_seconds:
    chunk = response.read1(1 << 20)
    if not chunk:
        break
    lines += chunk.count(b"\n")
elapsed = time.perf_counter() - start
export.close()
print("%-34s %8d events in %.1f s = %.0f events/s" % ("audit export (ndjson)", lines, elapsed, lines / elapsed))
