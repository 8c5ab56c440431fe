"""Write the policy directory as an OPA bundle archive (`make bundle`).

The archive holds the manifest, every Rego module but the unit tests, and the
data files, in OPA's bundle layout (a gzipped tarball whose paths mirror the
data tree). It is byte-for-byte reproducible: sorted entries, fixed times.
"""

from __future__ import annotations

import gzip
import io
import logging
import sys
import tarfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from dspm_iam.build_cli import build_parser, run_build
from dspm_iam.bundle import MANIFEST, load_bundle

logger = logging.getLogger(__name__)


def bundle_files(root: Path) -> Iterator[Path]:
    """Yield the files that belong in the archive, in a stable order."""
    yield root / MANIFEST

    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        if path.name.endswith("_test.rego"):
            continue
        if path.suffix == ".rego" or path.name == "data.json":
            yield path


def build_archive(root: Path, target: Path) -> int:
    """Write the bundle at root to target; return the number of files."""
    load_bundle(root)
    count = 0
    raw = io.BytesIO()

    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path in bundle_files(root):
            content = path.read_bytes()
            info = tarfile.TarInfo("/" + path.relative_to(root).as_posix())
            info.size = len(content)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(content))
            count += 1

    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        target.open("wb") as out,
        gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz,
    ):
        gz.write(raw.getvalue())
    return count


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: python -m dspm_iam.bundle_build POLICY_DIR OUT.tar.gz."""
    parser = build_parser("bundle_build", __doc__)
    parser.add_argument("policy", type=Path, help="the bundle directory")
    parser.add_argument("output", type=Path, help="the archive to write")
    args = parser.parse_args(argv)

    def build() -> None:
        count = build_archive(args.policy, args.output)
        print(f"wrote {args.output} ({count} files)")

    return run_build("bundle_build", args.verbose, build)


if __name__ == "__main__":
    sys.exit(main())
