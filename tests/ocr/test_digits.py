"""The digit classifier: shapes, both backends, accuracy, and life without onnxruntime.

The validation cells (tests/ocr/data/validation.npz) were rendered by
tools/ocr/render.py with its own seed and font variants the training never
saw; each is a JPEG of one RGB digit window as cut from a photo.
"""

from collections.abc import Sequence
import io
from pathlib import Path
import subprocess
import sys
import textwrap

import numpy as np
from PIL import Image
import pytest

from custom_components.energy_hub.ocr import digits
from custom_components.energy_hub.ocr.digits import (
    BACKEND_NUMPY,
    BACKEND_ONNXRUNTIME,
    Digit,
    classify,
    classify_probabilities,
    digits_from_probabilities,
    load_network,
    read_digits,
)
from custom_components.energy_hub.ocr.preprocess import (
    INPUT_HEIGHT,
    INPUT_WIDTH,
    cell_tensor,
    cells_tensor,
)

ROOT = Path(__file__).resolve().parents[2]
VALIDATION = Path(__file__).parent / "data" / "validation.npz"
# Per-digit accuracy measured on the validation set when the model was
# trained (docs/ocr-model.md), less a small margin: a worse model fails.
ACCURACY_FLOOR = 0.97
BACKENDS = (BACKEND_ONNXRUNTIME, BACKEND_NUMPY)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the shared fixture: no Home Assistant is needed here."""


def _validation() -> tuple[list[np.ndarray], np.ndarray]:
    data = np.load(VALIDATION)
    cells, start = [], 0
    for end in data["ends"]:
        jpeg = data["jpeg"][start:end].tobytes()
        cells.append(np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB")))
        start = int(end)
    return cells, data["labels"]


VALIDATION_CELLS, VALIDATION_LABELS = _validation()


def _digit_cells(count: int) -> tuple[list[np.ndarray], list[int]]:
    """The first `count` validation cells that show a digit (class 0-9)."""
    chosen = [index for index, label in enumerate(VALIDATION_LABELS) if label != 10][
        :count
    ]
    return [VALIDATION_CELLS[i] for i in chosen], [
        int(VALIDATION_LABELS[i]) for i in chosen
    ]


def _run(backend: str, cells: Sequence[np.ndarray]) -> list[Digit]:
    probabilities = load_network(backend).probabilities(cells_tensor(cells))
    return digits_from_probabilities(probabilities)


def test_validation_set_is_balanced_and_small() -> None:
    counts = np.bincount(VALIDATION_LABELS, minlength=11)
    assert len(counts) == 11
    assert counts.min() >= 100
    assert VALIDATION.stat().st_size <= 1_500_000


def test_model_files_fit_in_one_megabyte() -> None:
    total = digits.ONNX_MODEL.stat().st_size + digits.NUMPY_WEIGHTS.stat().st_size
    assert total <= 1_000_000


@pytest.mark.parametrize(
    ("height", "width"),
    [(1, 1), (2, 3), (5, 40), (40, 5), (17, 13), (31, 23), (33, 25), (2000, 1400)],
)
def test_cell_tensor_shape_for_any_size(height: int, width: int) -> None:
    rng = np.random.default_rng(height * 1000 + width)
    cell = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    tensor = cell_tensor(cell)
    assert tensor.shape == (1, INPUT_HEIGHT, INPUT_WIDTH)
    assert tensor.dtype == np.float32
    assert 0.0 <= tensor.min() <= tensor.max() <= 1.0


def test_polarity_is_normalised() -> None:
    """White on black and black on white give the same tensor."""
    cell, _ = _digit_cells(1)
    gray = cell[0].mean(axis=2).astype(np.uint8)
    light_on_dark = np.repeat(gray[:, :, None], 3, axis=2)
    dark_on_light = 255 - light_on_dark
    np.testing.assert_allclose(
        cell_tensor(light_on_dark), cell_tensor(dark_on_light), atol=1e-5
    )
    assert classify([light_on_dark])[0].value == classify([dark_on_light])[0].value


def _seven_segment_eight(ink: int, background: int) -> np.ndarray:
    """A 40 x 24 cell with all seven segments drawn in `ink`."""
    cell = np.full((40, 24, 3), background, np.uint8)
    for top, bottom, left, right in (
        (4, 7, 6, 18),  # top
        (18, 21, 6, 18),  # middle
        (33, 36, 6, 18),  # bottom
        (5, 20, 4, 7),  # upper left
        (5, 20, 17, 20),  # upper right
        (20, 35, 4, 7),  # lower left
        (20, 35, 17, 20),  # lower right
    ):
        cell[top:bottom, left:right] = ink
    return cell


def test_faint_ghost_segments_stay_faint() -> None:
    """An empty LCD position's ghost "8" is not stretched into a lit 8."""
    lit = cell_tensor(_seven_segment_eight(ink=40, background=180))
    ghost = cell_tensor(_seven_segment_eight(ink=166, background=180))
    assert lit.max() == pytest.approx(1.0)
    assert ghost.max() < 0.5
    # Both have the background at 0 and the strokes bright.
    assert lit[0, 0, 0] == ghost[0, 0, 0] == 0.0
    assert lit[0, 3:6, 8:15].max() > 0.9  # the top segment


def test_classify_odd_tiny_huge_and_grayscale_cells() -> None:
    rng = np.random.default_rng(7)
    big = np.asarray(
        Image.fromarray(VALIDATION_CELLS[0]).resize(
            (900, 1300), Image.Resampling.BILINEAR
        )
    )
    gray = VALIDATION_CELLS[1].mean(axis=2).astype(np.uint8)
    cells = [
        rng.integers(0, 256, (1, 1, 3), dtype=np.uint8),
        rng.integers(0, 256, (3, 2, 3), dtype=np.uint8),
        rng.integers(0, 256, (57, 31, 3), dtype=np.uint8),
        big,
        np.repeat(gray[:, :, None], 3, axis=2),
        np.full((20, 15, 3), 128, np.uint8),
    ]
    result = classify(cells)
    assert len(result) == len(cells)
    for digit in result:
        assert digit.value is None or 0 <= digit.value <= 9
        assert 0.0 <= digit.confidence <= 1.0
    # A cell enlarged 30-fold still reads as itself, and grayscale as colour.
    assert result[3].value == classify([VALIDATION_CELLS[0]])[0].value
    assert result[4].value == classify([VALIDATION_CELLS[1]])[0].value


def test_classify_nothing_and_empty_cells() -> None:
    assert classify([]) == []
    assert classify_probabilities([]).shape == (0, 11)
    for backend in BACKENDS:
        assert load_network(backend).probabilities(cells_tensor([])).shape == (0, 11)
    with pytest.raises(ValueError, match="no pixels"):
        classify([np.zeros((0, 5, 3), np.uint8)])
    with pytest.raises(ValueError, match="RGB"):
        classify([np.zeros((5, 5, 3, 2), np.uint8)])


def test_probabilities_are_a_softmax_and_match_classify() -> None:
    cells, _ = _digit_cells(16)
    probabilities = classify_probabilities(cells)
    assert probabilities.shape == (16, 11)
    assert probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    result = classify(cells)
    for row, digit in zip(probabilities, result, strict=True):
        best = int(np.argmax(row))
        assert digit.value == (None if best == 10 else best)
        assert digit.confidence == pytest.approx(float(row[best]))


def _photo(
    cells: Sequence[np.ndarray],
) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Cells pasted side by side into a larger photo, with their boxes."""
    height = max(cell.shape[0] for cell in cells) + 40
    width = sum(cell.shape[1] + 7 for cell in cells) + 60
    photo = np.full((height, width, 3), 90, np.uint8)
    boxes = []
    x = 30
    for index, cell in enumerate(cells):
        y = 20 + (index % 3)
        photo[y : y + cell.shape[0], x : x + cell.shape[1]] = cell
        boxes.append((x, y, cell.shape[1], cell.shape[0]))
        x += cell.shape[1] + 7
    return photo, boxes


def test_read_digits_cuts_each_box_and_keeps_order() -> None:
    cells, _ = _digit_cells(8)
    photo, boxes = _photo(cells)
    assert read_digits(photo, boxes) == classify(cells)
    assert read_digits(photo, list(reversed(boxes))) == list(reversed(classify(cells)))


def test_read_digits_clips_boxes_and_rejects_boxes_outside() -> None:
    cells, _ = _digit_cells(1)
    photo, [(x, y, width, height)] = _photo(cells)
    photo_height, photo_width = photo.shape[:2]
    # A box reaching past the photo's edge is clipped, not an error.
    assert len(read_digits(photo, [(x, y, photo_width * 3, photo_height * 3)])) == 1
    assert len(read_digits(photo, [(-5, -5, width + 5, height + 5)])) == 1
    with pytest.raises(ValueError, match="outside"):
        read_digits(photo, [(photo_width + 1, 0, 10, 10)])
    with pytest.raises(ValueError, match="outside"):
        read_digits(photo, [(x, y, 0, height)])


def test_backends_agree_on_the_same_tensors() -> None:
    tensors = cells_tensor(VALIDATION_CELLS[:400])
    onnx = load_network(BACKEND_ONNXRUNTIME).probabilities(tensors)
    numpy = load_network(BACKEND_NUMPY).probabilities(tensors)
    assert onnx.shape == numpy.shape == (400, 11)
    np.testing.assert_array_equal(onnx.argmax(axis=1), numpy.argmax(axis=1))
    np.testing.assert_allclose(onnx, numpy, atol=1e-4, rtol=0)


def test_backends_give_the_same_readings_of_a_photo() -> None:
    cells, labels = _digit_cells(8)
    photo, boxes = _photo(cells)
    image_cells = [photo[y : y + h, x : x + w] for x, y, w, h in boxes]
    readings = {backend: _run(backend, image_cells) for backend in BACKENDS}
    assert [d.value for d in readings[BACKEND_NUMPY]] == [
        d.value for d in readings[BACKEND_ONNXRUNTIME]
    ]
    for numpy_digit, onnx_digit in zip(
        readings[BACKEND_NUMPY], readings[BACKEND_ONNXRUNTIME], strict=True
    ):
        assert numpy_digit.confidence == pytest.approx(onnx_digit.confidence, abs=1e-4)
    assert (
        sum(
            d.value == label
            for d, label in zip(readings[BACKEND_NUMPY], labels, strict=True)
        )
        >= 7
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_accuracy_on_the_validation_set(backend: str) -> None:
    result = _run(backend, VALIDATION_CELLS)
    predicted = np.array([10 if d.value is None else d.value for d in result])
    is_digit = VALIDATION_LABELS != 10
    per_digit = float((predicted[is_digit] == VALIDATION_LABELS[is_digit]).mean())
    assert per_digit >= ACCURACY_FLOOR, per_digit


def test_classify_without_onnxruntime_or_opencv(tmp_path: Path) -> None:
    """Home Assistant OS (musl) has no onnxruntime or OpenCV wheels."""
    cells, _ = _digit_cells(4)
    expected = [d.value for d in _run(BACKEND_NUMPY, cells)]
    cells_file = tmp_path / "cells.npz"
    np.savez(cells_file, *cells)
    script = textwrap.dedent(
        """
        import importlib.abc
        import sys
        import types

        import numpy as np

        class Blocker(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("onnxruntime", "cv2"):
                    raise ImportError(f"{name} is not installed")
                return None

        sys.meta_path.insert(0, Blocker())
        # The parent packages as bare packages: the OCR package needs nothing
        # from the integration's __init__ (which starts importing Home Assistant).
        for name in ("custom_components", "custom_components.energy_hub"):
            package = types.ModuleType(name)
            package.__path__ = [name.replace(".", "/")]
            sys.modules[name] = package
        from custom_components.energy_hub.ocr import digits

        data = np.load(sys.argv[1])
        cells = [data[f"arr_{i}"] for i in range(len(data.files))]
        print(digits.backend_name())
        print([d.value for d in digits.classify(cells)])
        print(sorted(m for m in ("onnxruntime", "cv2") if m in sys.modules))
        print("homeassistant" in sys.modules)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(cells_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    backend, values, imported, home_assistant = result.stdout.splitlines()
    assert backend == BACKEND_NUMPY
    assert values == str(expected)
    assert imported == "[]"
    assert home_assistant == "False"


def test_default_backend_is_onnxruntime_where_installed() -> None:
    assert digits.backend_name() == BACKEND_ONNXRUNTIME
