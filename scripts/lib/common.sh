# Shared by scripts/dev and scripts/test. Sourced, not run.
# Installs what is missing and runs a throwaway PostgreSQL cluster on loopback.

PG_VERSION_WANTED=15
# libxlsxwriter, cairo and pango render exports; fonts-noto-cjk gives PDFs Chinese glyphs
# to embed; poppler-utils (pdftotext, pdffonts) and python3-pip (openpyxl, moto) let the
# tests read exports back with independent tools and run an S3-compatible server.
DEBIAN_PACKAGES=(postgresql postgresql-contrib libpq-dev libssl-dev libcurl4-openssl-dev pkg-config curl python3
                 python3-pip libxlsxwriter-dev libcairo2-dev libpango1.0-dev fonts-noto-cjk poppler-utils)
# PyPI packages the tests use: moto's S3 server (signature checking on) and openpyxl.
PYTHON_PACKAGES=("moto[server]" openpyxl)

log() { printf '\033[1m[parley]\033[0m %s\n' "$*" >&2; }

# Installs the Debian packages Parley needs, only when one is missing.
ensure_packages() {
    local missing=()
    for pkg in "${DEBIAN_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing Debian packages: ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    ensure_python_packages
    if ! command -v swift >/dev/null; then
        log "swift is not on PATH: install the Swift 6 toolchain first"
        exit 1
    fi
}

# Installs the PyPI packages the tests need, only when one cannot be imported.
ensure_python_packages() {
    local missing=()
    python3 -c 'import moto, flask, openpyxl' 2>/dev/null || missing=("${PYTHON_PACKAGES[@]}")
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing PyPI packages: ${missing[*]}"
        # Debian's python3 refuses system-wide pip installs unless told; CI runs as root
        # on a throwaway machine, where that is what we want.
        python3 -m pip install -q "${missing[@]}" 2>/dev/null \
            || python3 -m pip install -q --break-system-packages "${missing[@]}"
    fi
}

pg_bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] || { log "no PostgreSQL server binaries found"; exit 1; }
    echo "$dir"
}

# A free TCP port on loopback.
# Throwaway contact keys (docs/contacts.md) for tests, trials and benchmarks; kept when
# already set. Never for real data: scripts/dev makes random ones per checkout.
use_throwaway_contact_keys() {
    export PARLEY_CONTACT_KEYS="${PARLEY_CONTACT_KEYS:-throwaway-1:$(printf '%032d' 0 | base64)}"
    export PARLEY_CONTACT_LOOKUP_KEY="${PARLEY_CONTACT_LOOKUP_KEY:-throwaway-contact-lookup-key-0123456789abcdef}"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# PostgreSQL refuses to run as root: when we are root, the cluster belongs to the
# `postgres` user that the Debian package creates.
as_pg_user() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# pg_start DATA_DIR PORT — creates the cluster on first use, starts it on loopback.
pg_start() {
    local data="$1" port="$2" bin
    bin=$(pg_bindir)
    mkdir -p "$data"
    [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$data"
    if [ ! -f "$data/PG_VERSION" ]; then
        log "creating PostgreSQL cluster in $data"
        as_pg_user "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
        # Loopback only, trust: a throwaway cluster for one developer or one CI run.
        cat > "$data/pg_hba.conf" <<HBA
local all all trust
host  all all 127.0.0.1/32 trust
host  all all ::1/128 trust
HBA
        [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$data/pg_hba.conf"
    fi
    as_pg_user "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$data -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null
    log "PostgreSQL listening on 127.0.0.1:$port"
}

pg_stop() {
    local data="$1" bin
    bin=$(pg_bindir)
    [ -f "$data/postmaster.pid" ] && as_pg_user "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
}

# psql as the cluster superuser.
pg_super() {
    local port="$1"; shift
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"
}

# The owning role runs migrations; the service role owns nothing and cannot bypass RLS;
# the search role owns only the hardened search function (see sql/0002_search.sql):
# it may bypass RLS so text indexes stay usable, cannot log in, and only reads.
pg_create_roles() {
    local port="$1"
    pg_super "$port" -d postgres <<'SQL'
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'parley_owner') THEN
        CREATE ROLE parley_owner LOGIN CREATEDB PASSWORD 'parley_owner';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'parley_app') THEN
        CREATE ROLE parley_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD 'parley_app';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'parley_search') THEN
        CREATE ROLE parley_search NOLOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
    -- The owner must be a member to hand the function to parley_search.
    GRANT parley_search TO parley_owner;
END $$;
SQL
}
