#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432, user postgres, trust auth) and Redis
# (127.0.0.1:6379) are running: starts them if installed, installs them with
# apt-get if not (Debian/Ubuntu, as root or with sudo). Runs before `npm test`
# and in CI. With TEST_PG_URL / TEST_REDIS_URL set, that server is yours and
# is left alone.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

ensure_redis() {
  if [ -n "${TEST_REDIS_URL:-}" ]; then echo "redis: using TEST_REDIS_URL"; return; fi
  if ! redis_up; then
    command -v redis-server >/dev/null || apt_install redis-server
    as_root mkdir -p /var/lib/redis /var/log/redis
    as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 50); do redis_up && break; sleep 0.2; done
  fi
  redis_up || { echo "Redis did not start on 127.0.0.1:6379" >&2; exit 1; }
  echo "redis: up"
}

ensure_postgres() {
  if [ -n "${TEST_PG_URL:-}" ]; then echo "postgresql: using TEST_PG_URL"; return; fi
  if ! pg_up; then
    command -v pg_ctlcluster >/dev/null || apt_install postgresql
    local version conf
    version=$(ls /etc/postgresql | sort -n | tail -1)
    conf="/etc/postgresql/$version/main"
    # Local development trust auth, as on the CI machines (never for production).
    if ! as_root grep -q "^host all all 127.0.0.1/32 trust" "$conf/pg_hba.conf"; then
      as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust' "$conf/pg_hba.conf"
    fi
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || as_root pg_ctlcluster "$version" main start
    for _ in $(seq 50); do pg_up && break; sleep 0.2; done
  fi
  pg_up || { echo "PostgreSQL did not start on 127.0.0.1:5432" >&2; exit 1; }
  echo "postgresql: up"
}

ensure_redis
ensure_postgres
