"""The container recipes only COPY files that exist in the repository."""

import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILES = sorted((ROOT / "docker").glob("*.Dockerfile"))


def test_there_are_cpu_and_cuda_images():
    assert {p.name for p in DOCKERFILES} >= {"cpu.Dockerfile", "cuda.Dockerfile"}


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_copy_sources_exist(dockerfile):
    copies = [line for line in dockerfile.read_text().splitlines() if line.startswith("COPY ")]
    assert copies, f"{dockerfile.name} copies nothing"
    for line in copies:
        *sources, _dest = shlex.split(line)[1:]
        for src in sources:
            assert (ROOT / src).exists(), f"{dockerfile.name}: COPY source {src!r} does not exist"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_requirement_files_referenced_by_images_exist(dockerfile):
    for req in (ROOT / "docker").glob("requirements-*.txt"):
        for line in req.read_text().splitlines():
            if line.startswith("-r "):
                assert (req.parent / line[3:].strip()).exists()


# CuPy 14 loads these at run time: NVRTC (kernels), cuBLAS (`@`), cuSOLVER and nvJitLink (linalg.solve)
CUDA_LIBRARIES = ("cublas", "cusolver", "nvjitlink", "nvrtc")


def _requirements(path: Path) -> list[str]:
    return [line.split("#")[0].strip() for line in path.read_text().splitlines() if line.split("#")[0].strip()]


def test_cuda_image_brings_cupys_cuda_libraries_for_the_runtime_it_pins():
    reqs = _requirements(ROOT / "docker" / "requirements-cuda.txt")
    cupy = [r for r in reqs if r.startswith("cupy-cuda")]
    assert cupy == ["cupy-cuda13x==14.2.0"]
    toolkit = [r for r in reqs if r.startswith("cuda-toolkit[")]
    assert len(toolkit) == 1 and toolkit[0].endswith("==13.0.2")  # CUDA 13.0: driver >= 580
    extras = set(toolkit[0][len("cuda-toolkit["):toolkit[0].index("]")].split(","))
    assert set(CUDA_LIBRARIES) <= extras
    for lib in CUDA_LIBRARIES:  # each also pinned by name, to the version cuda-toolkit 13.0.2 requires
        pins = [r for r in reqs if r.startswith(("nvidia-" + lib + "==", "nvidia-cuda-" + lib + "=="))]
        assert len(pins) == 1, lib
    assert "uproot==5.7.7" in _requirements(ROOT / "docker" / "requirements-cpu.txt")


def test_cuda_extra_brings_cupys_cuda_libraries():
    import tomllib

    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["cuda"]
    assert any(r.startswith("cupy-cuda13x") for r in extra)
    toolkit = next(r for r in extra if r.startswith("cuda-toolkit["))
    assert set(CUDA_LIBRARIES) <= set(toolkit[len("cuda-toolkit["):toolkit.index("]")].split(","))
    assert toolkit.endswith(">=13.0,<13.1")  # the PTX of a newer NVRTC cannot be loaded by a CUDA 13.0 driver


# --- the entry point and the Apptainer definition ---------------------------------------------

ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
DEF = ROOT / "docker" / "gpu_laddu_cuda.def"


def _run_entrypoint(tmp_path: Path, *args: str) -> str:
    import os
    import subprocess

    stub = tmp_path / "gpu-laddu"
    stub.write_text('#!/bin/sh\necho "gpu-laddu $*"\n')
    stub.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    res = subprocess.run(["sh", str(ENTRYPOINT), *args], capture_output=True, text=True, env=env, timeout=30)
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


def test_entrypoint_runs_gpu_laddu_subcommands_and_passes_other_commands_through(tmp_path):
    import argparse

    from gpu_laddu import cli

    assert _run_entrypoint(tmp_path) == "gpu-laddu info"
    assert _run_entrypoint(tmp_path, "--version") == "gpu-laddu --version"
    # every subcommand of the CLI goes to gpu-laddu
    sub = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert {"info", "convert"} <= set(sub.choices)
    for command in sorted(sub.choices):
        assert _run_entrypoint(tmp_path, command, "--x") == f"gpu-laddu {command} --x"
    assert _run_entrypoint(tmp_path, "echo", "mpiexec", "-n", "4") == "mpiexec -n 4"  # passed through
    assert ENTRYPOINT.stat().st_mode & 0o111, "the entry point must be executable (COPY keeps the mode)"


def test_entrypoint_knows_every_cli_subcommand():
    import re

    src = (ROOT / "gpu_laddu" / "cli.py").read_text()
    commands = set(re.findall(r'sub\.add_parser\("([a-z-]+)"', src))
    case = re.search(r"^\s*(-\*\|[^)]*)\)", ENTRYPOINT.read_text(), re.M)
    assert commands and case is not None
    assert commands <= set(case.group(1).split("|"))


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_images_use_the_entrypoint(dockerfile):
    text = dockerfile.read_text()
    assert 'ENTRYPOINT ["gpu-laddu-entrypoint"]' in text
    assert "COPY docker/entrypoint.sh /usr/local/bin/gpu-laddu-entrypoint" in text


def test_cuda_image_states_its_minimum_driver():
    assert 'gpu_laddu.minimum_nvidia_driver="580"' in (ROOT / "docker" / "cuda.Dockerfile").read_text()


def _sections(text: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    header: dict[str, str] = {}
    sections: dict[str, list[str]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line or line.lstrip().startswith("#"):
            continue
        if line.startswith("%"):
            current = line.split()[0][1:]
            assert current not in sections, f"section %{current} twice"
            sections[current] = []
        elif current is None:
            key, _, value = line.partition(":")
            header[key.strip()] = value.strip()
        else:
            assert raw.startswith((" ", "\t")), f"%{current}: lines of a section are indented: {raw!r}"
            sections[current].append(line.strip())
    return header, sections


def test_apptainer_definition_has_the_cuda_images_content():
    """A lint of docker/gpu_laddu_cuda.def: header, known sections, %files sources that exist,
    the same base image and requirement files as the CUDA Dockerfile, a shell-valid %post."""
    import subprocess

    header, sections = _sections(DEF.read_text())
    assert header["Bootstrap"] == "docker"
    dockerfile = (ROOT / "docker" / "cuda.Dockerfile").read_text()
    base = next(line.split()[1] for line in dockerfile.splitlines() if line.startswith("FROM "))
    assert header["From"] == base
    known = {"labels", "files", "post", "environment", "runscript", "test", "help", "setup", "startscript", "arguments"}
    assert set(sections) <= known and {"files", "post", "environment", "runscript"} <= set(sections)
    copied = {}
    for line in sections["files"]:
        src, dest = shlex.split(line)
        assert (ROOT / src).exists(), f"%files source {src!r} does not exist"
        copied[src] = dest
    docker_sources = {src for line in dockerfile.splitlines() if line.startswith("COPY ")
                      for src in shlex.split(line)[1:-1]}
    assert docker_sources <= {s.rstrip("/") for s in copied}, "the def copies what the Dockerfile copies"
    post = "\n".join(sections["post"])
    assert "requirements-cuda.txt" in post and "--no-deps /src" in post
    assert subprocess.run(["bash", "-n"], input=post, text=True, timeout=30).returncode == 0
    runscript = " ".join(sections["runscript"])
    assert copied["docker/entrypoint.sh"] in runscript and '"$@"' in runscript
    assert any("/opt/gpu_laddu/bin" in line and "PATH" in line for line in sections["environment"])
    assert any("minimum_nvidia_driver 580" in line for line in sections["labels"])
