#!/usr/bin/env python3
"""Extracts numpy's SVML float32 log10 coefficient tables into ct2j's constants file.

ct2j's FeatureExtractor reproduces faster-whisper's features bit for bit, including numpy's
AVX-512 np.log10, which is Intel SVML's __svml_log10f16 (BSD-3-Clause, vendored by numpy). Its
16-interval polynomial tables are numpy's data, so they are not committed to ct2j: this script
reads them out of numpy's own binary, numpy/_core/_multiarray_umath*.so from the pinned numpy
2.4.6 wheel (verified by sha256), and writes a small file that FeatureExtractor loads:

    ${CT2J_CACHE:-~/.cache/ct2j}/numpy-svml-log10.bin   (override with --out)

Where the .so comes from (--source):
  auto       (default) the project venv's installed numpy if its .so has the pinned sha256,
             otherwise the wheel
  installed  <repo>/.venv/lib/python3*/site-packages/numpy (or --so PATH)
  wheel      `pip download numpy==2.4.6` (cp311 manylinux x86_64, the wheel's sha256 pinned),
             kept in ${CT2J_CACHE:-~/.cache/ct2j}/wheels/ so later runs are offline

Locating the table: it is __svml_slog10_data_internal_avx512, 384 bytes: 16 x 1.0f, then the
c0..c3 tables (16 floats each, at +64, +128, +192, +256) and 16 x log10(2) = 0x3E9A209B at +320.
Exactly one such block must exist. The extracted tables are checked against math.log10 before
anything is written. Only the standard library is needed.

Exit status 0 when the file is (already) in place; non-zero with a message otherwise.
"""

import argparse
import glob
import hashlib
import io
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib

NUMPY_VERSION = "2.4.6"
WHEEL_NAME = "numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl"
WHEEL_SHA256 = "89cd468399cfd2504718f0ba50e410dca55a170b61a02ad92bb18c8a65186e93"
SO_MEMBER = "numpy/_core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so"
SO_SHA256 = "1535fbed1e9ac6b717e72ad9bd5c20b9f0536a21084fcadc40c00255a8f35d1d"

MAGIC = b"CT2JLG10"
VERSION = 1
LANES = 16
ONE = struct.pack("<f", 1.0) * LANES
LOG10_2 = struct.pack("<I", 0x3E9A209B) * LANES

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("CT2J_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "ct2j")


def log(quiet, message):
    if not quiet:
        print("[numpy-constants] " + message, file=sys.stderr)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def installed_so():
    pattern = os.path.join(ROOT, ".venv", "lib", "python3*", "site-packages", "numpy", "_core",
                           "_multiarray_umath*.so")
    found = sorted(glob.glob(pattern))
    return found[0] if found else None


def wheel_so(quiet):
    wheels = os.path.join(CACHE, "wheels", "numpy-" + NUMPY_VERSION)
    path = os.path.join(wheels, WHEEL_NAME)
    if not os.path.isfile(path):
        os.makedirs(wheels, exist_ok=True)
        log(quiet, "downloading numpy %s (%s) with pip" % (NUMPY_VERSION, WHEEL_NAME))
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                   "numpy==" + NUMPY_VERSION, "--no-deps", "--only-binary=:all:",
                   "--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
                   "--implementation", "cp", "--abi", "cp311", "-d", wheels]
        subprocess.run(command, check=True, stdout=sys.stderr)
    with open(path, "rb") as f:
        wheel = f.read()
    if sha256(wheel) != WHEEL_SHA256:
        os.remove(path)
        raise SystemExit("error: %s has sha256 %s, expected the pinned %s (removed; re-run to retry)"
                         % (path, sha256(wheel), WHEEL_SHA256))
    with zipfile.ZipFile(io.BytesIO(wheel)) as z:
        data = z.read(SO_MEMBER)
    return data, "%s!/%s" % (path, SO_MEMBER)


def find_tables(data):
    hits = []
    start = data.find(ONE)
    while start >= 0:
        if data[start + 320:start + 384] == LOG10_2:
            hits.append(start)
        start = data.find(ONE, start + 1)
    if len(hits) != 1:
        raise SystemExit("error: expected exactly one SVML log10 table, found %d" % len(hits))
    return list(struct.unpack("<80f", data[hits[0] + 64:hits[0] + 384])), hits[0]


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def svml_log10(x, t):
    """Python model of the kernel (fma emulated in double: fine for a sanity check)."""
    m, e = math.frexp(x)  # x = m 2^e, m in [0.5, 1)
    m, e = m * 2, e - 1   # m in [1, 2)
    if m >= 1.5:
        m, e = m / 2, e + 1
    r = f32(m - 1)
    bits = struct.unpack("<I", struct.pack("<f", m))[0]
    i = (bits >> 19) & 15
    p = f32(r * t[i] + t[16 + i])
    p = f32(r * p + t[32 + i])
    p = f32(r * p + t[48 + i])
    return f32(r * p + f32(e * t[64]))


def check(tables):
    worst = 0.0
    for k in range(20001):
        x = f32(10.0 ** (-12 + 24 * k / 20000))
        exact = math.log10(x)
        ulp = math.ulp(f32(max(abs(exact), 1e-3))) * 2.0 ** 29  # float32 ulp
        worst = max(worst, abs(svml_log10(x, tables) - exact) / ulp)
    if not worst <= 8:
        raise SystemExit("error: the extracted tables do not reproduce log10 (%.1f ulp)" % worst)
    return worst


def existing_ok(path, so_hash):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False
    payload = 16 + 4 * 5 * LANES
    if len(data) < payload + 4 or data[:8] != MAGIC:
        return False
    if struct.unpack("<I", data[payload:payload + 4])[0] != zlib.crc32(data[:payload]):
        return False
    return so_hash in data[payload + 4:].decode("utf-8", "replace")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=("auto", "installed", "wheel"), default="auto")
    parser.add_argument("--so", help="read this _multiarray_umath*.so instead of locating one")
    parser.add_argument("--out", default=os.path.join(CACHE, "numpy-svml-log10.bin"))
    parser.add_argument("--allow-unpinned", action="store_true",
                        help="accept a .so whose sha256 is not numpy 2.4.6's (the table is still "
                             "located by its anchors and checked)")
    parser.add_argument("--force", action="store_true", help="rewrite even if --out is up to date")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    data = origin = None
    if args.so:
        if not os.path.isfile(args.so):
            raise SystemExit("error: %s does not exist" % args.so)
        with open(args.so, "rb") as f:
            data, origin = f.read(), os.path.abspath(args.so)
    elif args.source in ("auto", "installed"):
        path = installed_so()
        if path:
            with open(path, "rb") as f:
                data, origin = f.read(), path
            if args.source == "auto" and sha256(data) != SO_SHA256:
                log(args.quiet, "%s is not numpy %s's; using the wheel" % (path, NUMPY_VERSION))
                data = origin = None
        elif args.source == "installed":
            raise SystemExit("error: no numpy in %s/.venv (run parity/setup-venv.sh or use --source wheel)"
                             % ROOT)
    if data is None:
        data, origin = wheel_so(args.quiet)

    so_hash = sha256(data)
    if so_hash != SO_SHA256 and not args.allow_unpinned:
        raise SystemExit("error: %s has sha256 %s, not numpy %s's pinned %s (use --allow-unpinned to "
                         "extract anyway)" % (origin, so_hash, NUMPY_VERSION, SO_SHA256))
    if not args.force and existing_ok(args.out, so_hash):
        log(args.quiet, "%s is up to date" % args.out)
        return 0

    tables, offset = find_tables(data)
    worst = check(tables)
    payload = MAGIC + struct.pack("<II", VERSION, 5 * LANES) + struct.pack("<80f", *tables)
    provenance = json.dumps({
        "table": "__svml_slog10_data_internal_avx512 (Intel SVML, BSD-3-Clause, vendored by numpy)",
        "numpy": NUMPY_VERSION if so_hash == SO_SHA256 else "unpinned",
        "so": origin,
        "so_sha256": so_hash,
        "offset": offset,
    }, sort_keys=True)
    content = payload + struct.pack("<I", zlib.crc32(payload)) + provenance.encode("utf-8")

    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".numpy-svml-log10.")
    with os.fdopen(fd, "wb") as f:
        f.write(content)
    os.chmod(tmp, 0o644)
    os.replace(tmp, args.out)
    log(args.quiet, "wrote %s from %s (table at 0x%x, max %.2f ulp from log10)"
        % (args.out, origin, offset, worst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
