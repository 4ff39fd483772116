#!/usr/bin/env bash
# Installs what lvtlab builds and tests with, when it is missing: Debian packages (as root, or
# through sudo) and the pinned npm packages. Safe to run again: it does nothing when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(
  cmake g++ pkg-config ccache make
  libboost1.81-dev libboost-json1.81-dev
  librapidcheck-dev libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libhiredis-dev redis-server redis-tools
  libcli11-dev libspdlog-dev libfmt-dev libjemalloc-dev
  chromium fonts-liberation nodejs npm curl
  clang libclang-rt-dev
  golang-go golang-github-gorilla-websocket-dev
)

missing=()
for package in "${apt_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
# Node may come from outside Debian (as on the CI image): only ask apt for it when absent.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for package in "${missing[@]}"; do
    [[ "$package" == nodejs || "$package" == npm ]] || filtered+=("$package")
  done
  missing=("${filtered[@]}")
fi

if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}"
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
fi

if [[ ! -f node_modules/.package-lock.json ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "install-deps: npm ci"
  npm ci --no-audit --no-fund
fi
