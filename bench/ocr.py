"""OCR meter: digit accuracy, inference and end-to-end time, on both backends.

- per-digit accuracy on the validation cells shipped with the tests
  (tests/ocr/data/validation.npz: JPEG cells and labels 0-10, rendered apart
  from the training data), for each backend;
- inference time per photo (all 8 digits in one batch) and per digit, and
  the baseline of one run per digit;
- end-to-end time per 1280 x 720 photo (frame gate, alignment, window,
  cells, classification, composition) on synthetic meter photos
  (simulators/meter_photos.py), with the time of each stage, and how many of those
  photos read right;
- the model's size on disk.

Runs on one core (the process is pinned to one CPU, BLAS to one thread,
onnxruntime to one thread), as a Home Assistant host would give it; times
are the process's CPU time (the time on that core even on a shared machine),
the end-to-end wall-clock time is reported beside it. Ratios
are against the onnxruntime backend measured in the same run (or against
the batched run for the per-digit loop). Ends with one line of JSON.

    .venv/bin/python -m bench.ocr [--photos 40] [--repeat 30]
"""

import os

# One thread everywhere, before numpy loads its BLAS.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import asdict  # noqa: E402
import importlib.util  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from custom_components.energy_hub.ocr.digits import (  # noqa: E402
    BACKEND_NUMPY,
    BACKEND_ONNXRUNTIME,
    NOT_A_DIGIT,
    NUMPY_WEIGHTS,
    ONNX_MODEL,
    load_network,
)
from custom_components.energy_hub.ocr.frame import check_frame, check_window  # noqa: E402
from custom_components.energy_hub.ocr.pipeline import MeterConfig, MeterReader  # noqa: E402
from custom_components.energy_hub.ocr.preprocess import cells_tensor  # noqa: E402
from custom_components.energy_hub.ocr.result import Reading  # noqa: E402
from custom_components.energy_hub.ocr.window import Window, window_cells  # noqa: E402
from simulators.meter_photos import Meter, Shot, Style, shown  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VALIDATION = ROOT / "tests" / "ocr" / "data" / "validation.npz"
TARGET_ONNX_MS = 20.0
TARGET_NUMPY_MS = 100.0
TARGET_ACCURACY = 0.995
TARGET_MODEL_BYTES = 1_000_000


def pin_to_one_core() -> str:
    """Pin the process to one CPU where the system allows it."""
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
    except AttributeError, OSError:
        return "not pinned"
    return f"CPU {cpu}"


def median_ms(run: Callable[[], object], repeat: int) -> float:
    """Median CPU time of `run` in milliseconds, after one warm-up.

    CPU time of this process: everything runs on one thread, so it is the
    time on one core even when other processes share the machine (then the
    wall-clock time is longer by the time spent waiting for the core).
    """
    run()
    times = []
    for _ in range(repeat):
        began = time.process_time()
        run()
        times.append((time.process_time() - began) * 1000)
    return statistics.median(times)


def wall_ms(run: Callable[[], object], repeat: int) -> float:
    """Median wall-clock time of `run` in milliseconds, after one warm-up."""
    run()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def validation_cells() -> tuple[list[np.ndarray], np.ndarray]:
    """The shipped validation cells (decoded) and their labels."""
    data = np.load(VALIDATION)
    cells, start = [], 0
    for end in data["ends"]:
        jpeg = data["jpeg"][start:end].tobytes()
        cells.append(np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB")))
        start = int(end)
    return cells, np.asarray(data["labels"])


def accuracy(
    backend: str, cells: list[np.ndarray], labels: np.ndarray
) -> dict[str, float]:
    """Per-digit accuracy: all classes, the digits 0-9 alone, and 'not a digit'."""
    network = load_network(backend)
    predicted = np.concatenate(
        [
            network.probabilities(cells_tensor(cells[start : start + 256])).argmax(
                axis=1
            )
            for start in range(0, len(cells), 256)
        ]
    )
    digits = labels != NOT_A_DIGIT
    return {
        "all": float((predicted == labels).mean()),
        "digits": float((predicted[digits] == labels[digits]).mean()),
        "not_a_digit": float((predicted[~digits] == labels[~digits]).mean())
        if (~digits).any()
        else float("nan"),
    }


def synthetic_photos(count: int) -> list[tuple[Meter, np.ndarray, np.ndarray, float]]:
    """(meter, reference, photo, reading): knocked, noisy, JPEG; every style in turn."""
    rng = np.random.default_rng(18)
    meters = {style: Meter(style=style) for style in Style}
    references = {style: meter.photo(10.0) for style, meter in meters.items()}
    photos = []
    for index in range(count):
        style = list(Style)[index % len(Style)]
        # Whole tenths: no drum caught between numbers (no previous reading here).
        reading = round(float(rng.uniform(0, 99999)), 1)
        shot = Shot(
            shift=(float(rng.uniform(-40, 40)), float(rng.uniform(-25, 25))),
            rotation=float(rng.uniform(-3, 3)),
            light=float(rng.uniform(0.4, 1.2)),
            noise=float(rng.uniform(1, 6)),
            blur=float(rng.uniform(0, 1.0)),
            jpeg=int(rng.integers(50, 90)),
            seed=index,
        )
        meter = meters[style]
        photos.append((meter, references[style], meter.photo(reading, shot), reading))
    return photos


def end_to_end(
    backend: str,
    photos: list[tuple[Meter, np.ndarray, np.ndarray, float]],
    repeat: int,
) -> tuple[float, float, int]:
    """Median CPU and wall ms per photo (one-frame reads), and how many read right."""
    readers: dict[int, MeterReader] = {}
    cpu, wall, right = [], [], 0
    for meter, reference, photo, reading in photos:
        key = id(meter)
        if key not in readers:
            readers[key] = MeterReader(
                MeterConfig(
                    window=Window(**asdict(meter.reference_window())),
                    reference=reference,
                    decimals=meter.decimals,
                    burst=1,
                    rolling=meter.style is not Style.LCD,
                ),
                backend=backend,
            )
        reader = readers[key]
        reader.composer.previous = None
        result = reader.read([photo])
        right += isinstance(result, Reading) and result.display == shown(reading, 8, 1)

        def once(reader: MeterReader = reader, photo: np.ndarray = photo) -> None:
            reader.composer.previous = None
            reader.read([photo])

        cpu.append(median_ms(once, max(1, repeat // 5)))
        wall.append(wall_ms(once, max(1, repeat // 5)))
    return statistics.median(cpu), statistics.median(wall), right


def stages(
    photo: np.ndarray, meter: Meter, reference: np.ndarray, repeat: int
) -> dict[str, float]:
    """Median ms of each stage of one photo (numpy backend for the network)."""
    reader = MeterReader(
        MeterConfig(
            window=Window(**asdict(meter.reference_window())),
            reference=reference,
            decimals=1,
            burst=1,
        ),
        backend=BACKEND_NUMPY,
    )
    aligner = reader._aligner  # noqa: SLF001 - the bench times the parts
    alignment = aligner.align(photo)
    assert alignment is not None
    quad = alignment.map_points(Window(**asdict(meter.reference_window())).quad())
    straight, cells = window_cells(photo, quad, 8)
    return {
        "gate_ms": median_ms(lambda: check_frame(photo), repeat),
        "align_ms": median_ms(lambda: aligner.align(photo), repeat),
        "window_ms": median_ms(lambda: window_cells(photo, quad, 8), repeat),
        "window_gate_ms": median_ms(lambda: check_window(straight), repeat),
        "preprocess_ms": median_ms(lambda: cells_tensor(cells), repeat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--photos",
        type=int,
        default=40,
        help="synthetic photos for the end-to-end runs",
    )
    parser.add_argument(
        "--repeat", type=int, default=30, help="timed runs per measurement"
    )
    args = parser.parse_args()
    pinned = pin_to_one_core()
    backends = [BACKEND_NUMPY]
    if importlib.util.find_spec("onnxruntime") is not None:
        backends.insert(0, BACKEND_ONNXRUNTIME)
    model_bytes = ONNX_MODEL.stat().st_size + NUMPY_WEIGHTS.stat().st_size
    load = os.getloadavg()[0]
    print(
        f"one core: {pinned}; backends: {', '.join(backends)};"
        f" times are CPU time (load average {load:.1f} on {os.cpu_count()} CPUs)"
    )
    print(
        f"model: {ONNX_MODEL.stat().st_size:,} B .onnx + {NUMPY_WEIGHTS.stat().st_size:,} B .npz"
        f" = {model_bytes:,} B (target <= {TARGET_MODEL_BYTES:,})"
    )

    cells, labels = validation_cells()
    photos = synthetic_photos(args.photos)
    meter, reference, photo, _ = photos[0]
    window = Window(**asdict(meter.reference_window()))
    sample_cells = window_cells(photo, window.quad(), 8)[1]
    results: dict[str, dict[str, float]] = {}
    for backend in backends:
        network = load_network(backend)
        scores = accuracy(backend, cells, labels)
        batch_ms = median_ms(
            lambda network=network: network.probabilities(cells_tensor(sample_cells)),
            args.repeat,
        )
        loop_ms = median_ms(
            lambda network=network: [
                network.probabilities(cells_tensor([cell])) for cell in sample_cells
            ],
            args.repeat,
        )
        photo_ms, photo_wall_ms, right = end_to_end(backend, photos, args.repeat)
        results[backend] = {
            "accuracy": scores["all"],
            "accuracy_digits": scores["digits"],
            "accuracy_not_a_digit": scores["not_a_digit"],
            "batch8_ms": batch_ms,
            "per_digit_ms": batch_ms / 8,
            "loop8_ms": loop_ms,
            "photo_ms": photo_ms,
            "photo_wall_ms": photo_wall_ms,
            "photos_right": right,
        }
        target = TARGET_ONNX_MS if backend == BACKEND_ONNXRUNTIME else TARGET_NUMPY_MS
        print(f"\n{backend}:")
        print(
            f"  validation ({len(labels)} cells): {scores['all']:.4f} per digit"
            f" (digits 0-9 {scores['digits']:.4f}, not-a-digit {scores['not_a_digit']:.4f};"
            f" target {TARGET_ACCURACY})"
        )
        print(
            f"  inference: {batch_ms:.2f} ms per photo (8 digits, one batch),"
            f" {batch_ms / 8:.2f} ms per digit; one run per digit {loop_ms:.2f} ms"
            f" ({loop_ms / batch_ms:.1f}x the batch)"
        )
        print(
            f"  end to end: {photo_ms:.1f} ms per 1280x720 photo on one core"
            f" (target <= {target:.0f}; wall clock {photo_wall_ms:.1f} ms);"
            f" {right}/{len(photos)} synthetic photos read right"
        )
    parts = stages(photo, meter, reference, args.repeat)
    print(
        "\nstages (per photo): "
        + ", ".join(f"{name[:-3]} {value:.1f} ms" for name, value in parts.items())
    )
    baseline = results.get(BACKEND_ONNXRUNTIME)
    if baseline is not None:
        numpy_ = results[BACKEND_NUMPY]
        print(
            f"numpy vs onnxruntime: inference {numpy_['batch8_ms'] / baseline['batch8_ms']:.1f}x,"
            f" end to end {numpy_['photo_ms'] / baseline['photo_ms']:.2f}x"
        )
    print(
        json.dumps(
            {
                "bench": "ocr",
                "load_average": round(load, 2),
                "model_bytes": model_bytes,
                "validation_cells": len(labels),
                "photos": len(photos),
                **{
                    f"{backend}_{key}": round(value, 4 if "accuracy" in key else 2)
                    for backend, values in results.items()
                    for key, value in values.items()
                },
                **{key: round(value, 2) for key, value in parts.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
