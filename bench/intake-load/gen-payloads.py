#!/usr/bin/env python3
"""Writes the request bodies for the intake load test: N distinct batches of M items each, once in
Upbeat's intake format (POST /v1/events) and once in Zipkin's v2 JSON format (POST /api/v2/spans).

Both formats carry the same generated requests (same names, durations, statuses and ids), so the
two servers ingest equivalent data. Timestamps sit in the minutes before "now" because intake
refuses events older than 7 days or more than 5 minutes ahead: run this at the start of every load
run, never reuse old files. Standard library only.

Usage: gen-payloads.py --out DIR [--batches 200] [--size 100] [--seed 1]
Writes DIR/intake/batch-0000.json ... and DIR/zipkin/batch-0000.json ..., then prints one line:
  PAYLOADS batches=... size=... intake_avg_bytes=... zipkin_avg_bytes=...
"""

import argparse
import json
import math
import os
import random
import time
from datetime import datetime, timezone

SERVICE = {
    "name": "shop-web",
    "environment": "production",
    "version": "2026.11.26-3",
    "agent": {"name": "upbeat-java", "version": "0.1.0"},
    "language": "java",
    "host": "web-1",
}

# (method, route, url template, median duration ms, child span (name, type)). Twenty endpoints of a
# shop, from cheap health checks to slow checkouts, so a batch mixes names and duration scales the
# way a real service's traffic does.
ENDPOINTS = [
    ("GET", "/users/{id}", "/users/{n}", 12, ("SELECT FROM users", "db.postgresql.query")),
    ("GET", "/products", "/products?page={n}", 25, ("SELECT FROM products", "db.postgresql.query")),
    ("GET", "/products/{id}", "/products/{n}", 9, ("GET product:*", "cache.redis.get")),
    ("GET", "/cart", "/cart", 7, ("GET cart:*", "cache.redis.get")),
    ("POST", "/cart/items", "/cart/items", 18, ("INSERT INTO cart_items", "db.postgresql.query")),
    ("DELETE", "/cart/items/{id}", "/cart/items/{n}", 11, ("DELETE FROM cart_items", "db.postgresql.query")),
    ("POST", "/checkout", "/checkout", 180, ("POST payments.example/charges", "external.http")),
    ("GET", "/orders", "/orders", 35, ("SELECT FROM orders", "db.postgresql.query")),
    ("GET", "/orders/{id}", "/orders/{n}", 15, ("SELECT FROM orders", "db.postgresql.query")),
    ("POST", "/orders/{id}/cancel", "/orders/{n}/cancel", 60, ("UPDATE orders", "db.postgresql.query")),
    ("GET", "/search", "/search?q=item{n}", 90, ("POST search/_search", "external.http")),
    ("GET", "/categories", "/categories", 6, ("GET categories", "cache.redis.get")),
    ("GET", "/categories/{slug}", "/categories/c{n}", 20, ("SELECT FROM categories", "db.postgresql.query")),
    ("POST", "/login", "/login", 140, ("SELECT FROM accounts", "db.postgresql.query")),
    ("POST", "/logout", "/logout", 4, ("DEL session:*", "cache.redis.del")),
    ("GET", "/recommendations", "/recommendations", 120, ("POST recs/score", "external.http")),
    ("POST", "/reviews", "/reviews", 45, ("INSERT INTO reviews", "db.postgresql.query")),
    ("GET", "/reviews/{product}", "/reviews/{n}", 22, ("SELECT FROM reviews", "db.postgresql.query")),
    ("GET", "/inventory/{sku}", "/inventory/sku-{n}", 14, ("SELECT FROM stock", "db.postgresql.query")),
    ("GET", "/health", "/health", 1, ("SELECT 1", "db.postgresql.query")),
]
# Zipf-like popularity: the first endpoints get most of the traffic.
WEIGHTS = [1.0 / (i + 1) for i in range(len(ENDPOINTS))]
REGIONS = ["eu", "us", "ap"]


def status_code(rng):
    r = rng.random()
    if r < 0.93:
        return rng.choice([200, 200, 200, 201, 204])
    if r < 0.94:
        return 302
    if r < 0.98:
        return rng.choice([400, 401, 404, 409])
    return rng.choice([500, 502, 503])


def make_request(rng, now_s):
    """One served HTTP request, in a neutral form that both formats are written from."""
    method, route, url, median_ms, (span_name, span_type) = rng.choices(ENDPOINTS, WEIGHTS)[0]
    # Lognormal around the endpoint's median: most requests are near it, a long tail is 10x slower.
    duration_ms = min(30_000.0, max(0.05, rng.lognormvariate(math.log(median_ms), 0.8)))
    span_start = rng.uniform(0.0, duration_ms * 0.3)
    span_ms = rng.uniform(0.2, 0.9) * (duration_ms - span_start)
    # Ended up to 4 minutes ago: fresh enough for intake, never in the future.
    start_s = now_s - rng.uniform(1.0, 240.0) - duration_ms / 1000.0
    status = status_code(rng)
    user = str(rng.randint(1, 50_000))
    return {
        "trace_id": "%032x" % rng.getrandbits(128),
        "id": "%016x" % rng.getrandbits(64),
        "span_id": "%016x" % rng.getrandbits(64),
        "method": method,
        "route": route,
        "url": url.replace("{n}", str(rng.randint(1, 100_000))),
        "start_s": start_s,
        "duration_ms": round(duration_ms, 3),
        "span_name": span_name,
        "span_type": span_type,
        "span_start_ms": round(span_start, 3),
        "span_ms": round(span_ms, 3),
        "status": status,
        "user": user,
        "region": rng.choice(REGIONS),
    }


def iso_millis(epoch_s):
    t = datetime.fromtimestamp(epoch_s, tz=timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def intake_transaction(r):
    return {
        "id": r["id"],
        "trace_id": r["trace_id"],
        "name": "%s %s" % (r["method"], r["route"]),
        "type": "request",
        "timestamp": iso_millis(r["start_s"]),
        "duration_ms": r["duration_ms"],
        "result": "HTTP %dxx" % (r["status"] // 100),
        "outcome": "failure" if r["status"] >= 500 else "success",
        "spans": [
            {
                "name": r["span_name"],
                "type": r["span_type"],
                "start_ms": r["span_start_ms"],
                "duration_ms": r["span_ms"],
            }
        ],
        "context": {
            "request": {"method": r["method"], "url": r["url"]},
            "user": {"id": r["user"]},
            "tags": {"region": r["region"]},
        },
    }


def zipkin_span(r):
    # The transaction as a SERVER span; the child span's facts ride along as tags so each Zipkin
    # item carries about as many bytes as an intake transaction (both sizes are printed).
    tags = {
        "http.method": r["method"],
        "http.path": r["url"],
        "http.route": r["route"],
        "http.status_code": str(r["status"]),
        "user.id": r["user"],
        "region": r["region"],
        "db.statement": r["span_name"],
        "db.duration_ms": str(r["span_ms"]),
    }
    if r["status"] >= 500:
        tags["error"] = str(r["status"])
    return {
        "traceId": r["trace_id"],
        "id": r["id"],
        "kind": "SERVER",
        "name": "%s %s" % (r["method"].lower(), r["route"]),
        "timestamp": int(r["start_s"] * 1_000_000),
        "duration": max(1, int(r["duration_ms"] * 1000)),
        "localEndpoint": {"serviceName": SERVICE["name"], "ipv4": "127.0.0.1", "port": 8080},
        "tags": tags,
    }


def compact(obj):
    # Agents send compact JSON; pretty-printing would inflate bytes per item.
    return json.dumps(obj, separators=(",", ":"))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="output directory (intake/ and zipkin/ under it)")
    p.add_argument("--batches", type=int, default=200, help="distinct batches per format")
    p.add_argument("--size", type=int, default=100, help="items per batch")
    p.add_argument("--seed", type=int, default=1, help="random seed (timestamps still follow now)")
    a = p.parse_args()
    if a.batches < 1 or a.size < 1:
        p.error("--batches and --size must be positive")

    rng = random.Random(a.seed)
    now_s = time.time()
    sizes = {"intake": 0, "zipkin": 0}
    for fmt in sizes:
        os.makedirs(os.path.join(a.out, fmt), exist_ok=True)
    for b in range(a.batches):
        reqs = [make_request(rng, now_s) for _ in range(a.size)]
        bodies = {
            "intake": compact(
                {
                    "service": SERVICE,
                    "transactions": [intake_transaction(r) for r in reqs],
                    "errors": [],
                }
            ),
            "zipkin": compact([zipkin_span(r) for r in reqs]),
        }
        for fmt, body in bodies.items():
            data = body.encode("utf-8")
            sizes[fmt] += len(data)
            with open(os.path.join(a.out, fmt, "batch-%04d.json" % b), "wb") as f:
                f.write(data)
    print(
        "PAYLOADS batches=%d size=%d intake_avg_bytes=%d zipkin_avg_bytes=%d"
        % (a.batches, a.size, sizes["intake"] // a.batches, sizes["zipkin"] // a.batches)
    )


if __name__ == "__main__":
    main()
