#!/usr/bin/env python3
"""Bulk seed for the admin-scale bench (SQLite): the same rows as seed_postgres.sql, in one transaction with
prepared inserts (executemany). Usage: seed_sqlite.py DB_FILE USERS EVENTS BASE_MS AUDIT_BASE_MS"""
import hashlib, sqlite3, sys, uuid

path, users, events, base_ms, audit_base_ms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
uid = lambda i: str(uuid.UUID(hashlib.md5(("user%d" % i).encode()).hexdigest()))
md5 = lambda text: hashlib.md5(text.encode()).hexdigest()
types = ['auth.login.succeeded', 'auth.login.failed', 'auth.refresh', 'auth.logout', 'auth.register',
         'admin.user.updated', 'auth.session.revoked', 'auth.lockout']
db = sqlite3.connect(path)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=OFF")
with db:
    db.executemany(
        "INSERT INTO users (id, email, email_verified, password_hash, display_name, status, created_at, updated_at, "
        "last_login_at, password_changed_at) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)",
        ((uid(i), "user%d@bench.example.com" % i, int(i % 10 != 0), "Bench User %d" % i,
          "disabled" if i % 50 == 0 else "active", base_ms + i * 1000, base_ms + i * 1000,
          base_ms + i * 1000 + 60000 if i % 3 == 0 else None, base_ms + i * 1000) for i in range(1, users + 1)))
    db.executemany("INSERT INTO user_roles (user_id, role) VALUES (?, ?)",
                   ((uid(i), "auditor" if i % 1000 == 0 else "user") for i in range(1, users + 1)))
    db.executemany(
        "INSERT INTO audit_events (seq, time, type, actor_id, subject_id, ip, user_agent, request_id, outcome, details, "
        "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, 'Bench/1.0', ?, ?, '{\"bench\":true}', ?, ?)",
        ((s, audit_base_ms + s * 100, types[s % 8], uid(1 + s % users), uid(1 + (s * 7) % users),
          "10.%d.%d.%d" % (s % 250, (s // 250) % 250, s % 7), md5("req%d" % s),
          "failure" if s % 8 == 1 else "success", "0" * 64, md5("h%d" % s) + md5("h2%d" % s))
         for s in range(1, events + 1)))
db.execute("ANALYZE")
db.close()
