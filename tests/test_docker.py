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
