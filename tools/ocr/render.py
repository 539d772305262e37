"""Synthetic meter digit cells rendered from freely licensed fonts.

Every sample is one digit window as a camera would cut it from a meter photo:
a mechanical counter's drum (white on black, black on white, red last drums,
rolling between two digits, the neighbouring drums' edges in a loose crop) or
a seven-segment LCD digit with its unlit ghost segments, then degraded like a
real photo (rotation, perspective, blur, low light, glare, noise, JPEG).

Labels: 0-9, or 10 for "not a digit": a drum caught mid-roll between two
digits, an empty LCD position, a crop with no digit in it.

Run directly to write the validation set the tests ship:
    python tools/ocr/render.py --validation tests/ocr/data/validation.npz
"""

import argparse
from dataclasses import dataclass
import importlib.util
import io
from pathlib import Path
import sys
from types import ModuleType

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

REPO = Path(__file__).resolve().parents[2]
NOT_A_DIGIT = 10
NUM_CLASSES = 11

DSEG_DIR = Path("/usr/share/fonts/truetype/dseg")
DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
LIBERATION_DIR = Path("/usr/share/fonts/truetype/liberation")
URW_DIR = Path("/usr/share/fonts/opentype/urw-base35")

# Fonts of printed drums (DejaVu, Liberation: free licences; URW base35: AGPL
# with font exception) and of LCDs (DSEG: SIL Open Font License).
DRUM_FONTS_TRAIN = (
    DEJAVU_DIR / "DejaVuSans.ttf",
    DEJAVU_DIR / "DejaVuSans-Bold.ttf",
    DEJAVU_DIR / "DejaVuSansMono.ttf",
    DEJAVU_DIR / "DejaVuSansMono-Bold.ttf",
    DEJAVU_DIR / "DejaVuSansCondensed.ttf",
    DEJAVU_DIR / "DejaVuSerif.ttf",
    DEJAVU_DIR / "DejaVuSerifCondensed-Bold.ttf",
    LIBERATION_DIR / "LiberationSans-Regular.ttf",
    LIBERATION_DIR / "LiberationSans-Bold.ttf",
    LIBERATION_DIR / "LiberationMono-Regular.ttf",
    LIBERATION_DIR / "LiberationMono-Bold.ttf",
    LIBERATION_DIR / "LiberationSansNarrow-Bold.ttf",
    LIBERATION_DIR / "LiberationSerif-Bold.ttf",
    URW_DIR / "NimbusSans-Regular.otf",
    URW_DIR / "NimbusSans-Bold.otf",
    URW_DIR / "NimbusSansNarrow-Regular.otf",
    URW_DIR / "NimbusMonoPS-Bold.otf",
    URW_DIR / "NimbusRoman-Bold.otf",
    URW_DIR / "URWGothic-Book.otf",
    URW_DIR / "URWGothic-Demi.otf",
    URW_DIR / "C059-Bold.otf",
    URW_DIR / "P052-Roman.otf",
)
LCD_FONTS_TRAIN = (
    DSEG_DIR / "DSEG7Classic-Regular.ttf",
    DSEG_DIR / "DSEG7Classic-Bold.ttf",
    DSEG_DIR / "DSEG7Classic-Light.ttf",
    DSEG_DIR / "DSEG7Classic-Italic.ttf",
    DSEG_DIR / "DSEG7Modern-Regular.ttf",
    DSEG_DIR / "DSEG7Modern-Bold.ttf",
    DSEG_DIR / "DSEG7ClassicMini-Regular.ttf",
    DSEG_DIR / "DSEG7ModernMini-Bold.ttf",
    DSEG_DIR / "DSEG14Classic-Regular.ttf",
)
# Font variants the training never sees: the validation set's own.
DRUM_FONTS_VALIDATION = (
    DEJAVU_DIR / "DejaVuSansCondensed-Bold.ttf",
    LIBERATION_DIR / "LiberationSansNarrow-Regular.ttf",
    URW_DIR / "NimbusSans-Italic.otf",
    URW_DIR / "NimbusMonoPS-Regular.otf",
    URW_DIR / "URWBookman-Demi.otf",
)
LCD_FONTS_VALIDATION = (
    DSEG_DIR / "DSEG7Modern-Light.ttf",
    DSEG_DIR / "DSEG7ClassicMini-Bold.ttf",
    DSEG_DIR / "DSEG7Modern-Italic.ttf",
)

_RENDER_SIZE = 48


def load_preprocess() -> ModuleType:
    """The integration's preprocessing module, imported without Home Assistant."""
    path = REPO / "custom_components/energy_hub/ocr/preprocess.py"
    spec = importlib.util.spec_from_file_location("ocr_preprocess", path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Glyphs:
    """A font's digits 0-9 and "8" (index 10, an LCD's ghost), one box each."""

    masks: np.ndarray  # 11 x H x W float32 coverage 0-1
    lcd: bool


def render_glyphs(path: Path) -> Glyphs:
    """Render the digits of a font into equal boxes on one shared baseline."""
    font = ImageFont.truetype(str(path), _RENDER_SIZE)
    text = [str(digit) for digit in range(10)] + ["8"]
    boxes = [font.getbbox(char) for char in text]
    left = min(box[0] for box in boxes)
    top = min(box[1] for box in boxes)
    width = max(box[2] for box in boxes) - left
    height = max(box[3] for box in boxes) - top
    lcd = "DSEG" in path.name
    masks = np.zeros((len(text), height, width), dtype=np.float32)
    for index, char in enumerate(text):
        image = Image.new("L", (width, height), 0)
        # A drum centres its digit (proportional fonts' "1" is narrow); an LCD
        # lights segments where they are ("1" on the right, over the ghost "8").
        char_width = boxes[index][2] - boxes[index][0]
        offset = -left if lcd else (width - char_width) // 2 - boxes[index][0] + left
        ImageDraw.Draw(image).text((offset, -top), char, font=font, fill=255)
        masks[index] = np.asarray(image, np.float32) / 255.0
    return Glyphs(masks, lcd)


def _colour(rng: np.random.Generator, low: float, high: float) -> np.ndarray:
    """A grey between low and high with a slight random tint."""
    grey = rng.uniform(low, high)
    return np.clip(grey + rng.normal(0.0, 12.0, 3), 0.0, 255.0).astype(np.float32)


def _palette(rng: np.random.Generator, lcd: bool) -> tuple[np.ndarray, np.ndarray]:
    """Background and ink colours of a drum or an LCD."""
    if lcd:
        if rng.random() < 0.75:  # reflective LCD: dark segments on grey-green
            background = np.array(
                [rng.uniform(120, 220), rng.uniform(140, 230), rng.uniform(110, 200)],
                np.float32,
            )
            return background, _colour(rng, 5, 70)
        # Backlit: bright segments on a dark glass (white, green, blue, red).
        ink = np.array(
            rng.choice(
                [[240, 240, 240], [120, 255, 140], [120, 200, 255], [255, 90, 70]]
            ),
            np.float32,
        )
        return _colour(rng, 0, 50), ink * rng.uniform(0.6, 1.0)
    style = rng.random()
    if style < 0.45:  # white digits on a black drum
        return _colour(rng, 0, 70), _colour(rng, 160, 255)
    if style < 0.8:  # black digits on a white drum
        return _colour(rng, 170, 255), _colour(rng, 0, 80)
    red = np.array(
        [rng.uniform(150, 230), rng.uniform(10, 60), rng.uniform(10, 60)], np.float32
    )
    if style < 0.92:  # the last drums: white on red
        return red, _colour(rng, 190, 255)
    return _colour(rng, 190, 255), red  # red on white


@dataclass(frozen=True)
class Drum:
    """What one drum (or LCD position) shows: a digit, rolled on by `roll`."""

    digit: int | None  # None: no digit at all (an empty LCD position)
    roll: float  # 0 = digit centred, 1 = the next digit centred
    direction: int  # +1: the next digit comes from below, -1: from above


def _label(drum: Drum) -> int:
    if drum.digit is None:
        return NOT_A_DIGIT
    if drum.roll <= 0.25:
        return drum.digit
    if drum.roll >= 0.75:
        return (drum.digit + 1) % 10
    return NOT_A_DIGIT


# Share of a partly rolled drum's target on the neighbour coming into view, per
# unit of roll (a drum 20 % on keeps 0.9 on its digit, gives 0.1 to the next).
_NEIGHBOUR_SHARE = 0.5
# Share of a mid-roll drum's target on "not a digit"; the rest is split between
# the two numbers in view by how much of each shows.
_MID_ROLL_NOT_A_DIGIT = 0.5


def _target(drum: Drum) -> np.ndarray:
    """The soft training target: which classes a drum shows, and how much.

    A drum between two numbers is "not a digit", yet its two neighbours share
    the rest, so the top two digits name them (the reading logic resolves a
    rolling drum from them); a partly rolled drum gives the next number a
    little. An empty position is "not a digit" only.
    """
    target = np.zeros(NUM_CLASSES, np.float32)
    label = _label(drum)
    if drum.digit is None:
        target[NOT_A_DIGIT] = 1.0
        return target
    lower, upper = drum.digit, (drum.digit + 1) % 10
    if label == NOT_A_DIGIT:
        target[NOT_A_DIGIT] = _MID_ROLL_NOT_A_DIGIT
        target[lower] += (1.0 - _MID_ROLL_NOT_A_DIGIT) * (1.0 - drum.roll)
        target[upper] += (1.0 - _MID_ROLL_NOT_A_DIGIT) * drum.roll
        return target
    neighbour_weight = _NEIGHBOUR_SHARE * min(drum.roll, 1.0 - drum.roll)
    neighbour = upper if label == lower else lower
    target[label] = 1.0 - neighbour_weight
    target[neighbour] += neighbour_weight
    return target


def _draw_drum(
    canvas: np.ndarray,
    glyphs: Glyphs,
    drum: Drum,
    *,
    x: int,
    centre_y: float,
    pitch: float,
    ink: np.ndarray,
    ghost: float,
) -> None:
    """Blend a drum's visible digits (or an LCD's segments) into the canvas."""
    masks = glyphs.masks
    height, width = masks.shape[1:]
    layers: list[tuple[np.ndarray, float]] = []
    if glyphs.lcd and ghost > 0:
        layers.append((masks[10], centre_y - height / 2))
    if drum.digit is not None:
        for step in (-1, 0, 1, 2):
            digit = (drum.digit + step) % 10
            y = centre_y - height / 2 + (step - drum.roll) * pitch * drum.direction
            layers.append((masks[digit], y))
    canvas_height, canvas_width = canvas.shape[:2]
    for index, (mask, y_float) in enumerate(layers):
        y = round(y_float)
        strength = ghost if glyphs.lcd and ghost > 0 and index == 0 else 1.0
        top, bottom = max(0, y), min(canvas_height, y + height)
        left, right = max(0, x), min(canvas_width, x + width)
        if top >= bottom or left >= right:
            continue
        alpha = mask[top - y : bottom - y, left - x : right - x, None] * strength
        region = canvas[top:bottom, left:right]
        region[...] = region * (1 - alpha) + ink * alpha


def _random_drum(rng: np.random.Generator, lcd: bool) -> Drum:
    """A drum's state; about one in eight is "not a digit"."""
    digit = int(rng.integers(0, 10))
    choice = rng.random()
    if lcd:
        if choice < 0.1:
            return Drum(None, 0.0, 1)
        return Drum(digit, 0.0, 1)
    direction = 1 if rng.random() < 0.8 else -1
    if choice < 0.62:
        roll = abs(rng.normal(0.0, 0.05))
    elif choice < 0.87:  # mostly one digit: still that digit
        roll = rng.uniform(0.06, 0.22)
        if rng.random() < 0.5:
            roll = 1.0 - roll
    else:  # mid-roll: between two digits
        roll = rng.uniform(0.36, 0.64)
    return Drum(digit, float(min(roll, 0.99)), direction)


def _scene(
    rng: np.random.Generator, glyphs: Glyphs
) -> tuple[np.ndarray, tuple[float, float, float, float], Drum]:
    """A strip of three drums; returns it, the middle cell's box and its drum."""
    masks = glyphs.masks
    glyph_height, glyph_width = masks.shape[1:]
    cell_height = glyph_height * rng.uniform(1.1, 1.5)
    cell_width = glyph_width * rng.uniform(1.05, 1.5)
    gap = glyph_width * rng.uniform(0.0, 0.5)  # the divider between drums
    pitch = glyph_height * rng.uniform(1.15, 1.5)
    frame_height = cell_height * rng.uniform(1.6, 2.2)
    width = round(3 * cell_width + 4 * gap + 2)
    height = round(frame_height)
    background, ink = _palette(rng, glyphs.lcd)
    frame = (
        background * rng.uniform(0.7, 1.1)
        if glyphs.lcd
        else _colour(rng, 0, 255)
        if rng.random() < 0.5
        else _colour(rng, 0, 40)
    )
    canvas = np.empty((height, width, 3), np.float32)
    canvas[...] = frame
    window_top = (height - cell_height) / 2
    ghost = rng.uniform(0.03, 0.18) if glyphs.lcd and rng.random() < 0.8 else 0.0
    middle = _random_drum(rng, glyphs.lcd)
    box = (0.0, 0.0, 0.0, 0.0)
    for position in range(3):
        left = gap + position * (cell_width + gap)
        drum = middle if position == 1 else _random_drum(rng, glyphs.lcd)
        # A drum is a cylinder: visible above and below the window.
        canvas[:, round(left) : round(left + cell_width)] = background
        x = round(left + (cell_width - glyph_width) / 2 + rng.normal(0, 1.0))
        _draw_drum(
            canvas,
            glyphs,
            drum,
            x=x,
            centre_y=height / 2,
            pitch=pitch,
            ink=ink,
            ghost=ghost,
        )
        if position == 1:
            box = (left, window_top, cell_width, cell_height)
    if not glyphs.lcd:
        # The cylinder's shading and the window's frame above and below.
        rows = (np.arange(height, dtype=np.float32) - height / 2) / (cell_height / 2)
        shade = 1.0 - rng.uniform(0.0, 0.35) * np.clip(rows**2, 0, 4) / 4
        canvas *= shade[:, None, None]
        canvas[: round(window_top) - round(rng.uniform(0, 4))] = frame
        canvas[round(window_top + cell_height) + round(rng.uniform(0, 4)) :] = frame
    return canvas, box, middle


def _degrade(rng: np.random.Generator, image: Image.Image) -> np.ndarray:
    """A photo's flaws on a cut cell; returns RGB uint8."""
    width, height = image.size
    if rng.random() < 0.7:
        radius = rng.uniform(0.0, 0.045) * height
        image = image.filter(ImageFilter.GaussianBlur(radius))
    pixels = np.asarray(image, np.float32)
    if rng.random() < 0.3:  # low light
        pixels = pixels * rng.uniform(0.25, 0.7)
    if rng.random() < 0.2:  # glare: a bright soft spot on the glass
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        cy, cx = rng.uniform(0, height), rng.uniform(0, width)
        spread = rng.uniform(0.1, 0.4) * height
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * spread**2))
        pixels = pixels + rng.uniform(40, 140) * blob[:, :, None]
    if rng.random() < 0.3:  # uneven light across the cell
        ramp = np.linspace(rng.uniform(0.5, 1), rng.uniform(0.5, 1), width)
        pixels = pixels * ramp[None, :, None].astype(np.float32)
    noise = rng.uniform(0.0, 10.0) if rng.random() < 0.8 else 0.0
    pixels = pixels + rng.normal(0.0, 1.0, pixels.shape).astype(np.float32) * noise
    result = np.clip(pixels, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        buffer = io.BytesIO()
        quality = int(rng.integers(30, 92))
        Image.fromarray(result).save(buffer, "JPEG", quality=quality)
        result = np.asarray(Image.open(buffer).convert("RGB"))
    return result


def sample(
    rng: np.random.Generator, glyphs: Glyphs
) -> tuple[np.ndarray, int, np.ndarray]:
    """One degraded digit cell (RGB uint8, its own size), its label and target."""
    canvas, (left, top, width, height), drum = _scene(rng, glyphs)
    label = _label(drum)
    target = _target(drum)
    image = Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8))
    centre_x, centre_y = left + width / 2, top + height / 2
    if rng.random() < 0.6:  # a tilted camera
        angle = rng.normal(0.0, 2.5)
        image = image.rotate(
            angle, Image.Resampling.BILINEAR, center=(centre_x, centre_y)
        )
    if rng.random() < 0.3:  # perspective: one side nearer than the other
        squeeze = rng.uniform(-0.08, 0.08) * image.size[1]
        w, h = image.size
        image = image.transform(
            image.size,
            Image.Transform.QUAD,
            (0, -squeeze, 0, h + squeeze, w, h - squeeze, w, squeeze),
            Image.Resampling.BILINEAR,
        )
    # Tight (cutting into the drum) to loose (the neighbours' edges in view).
    crop_width = width * rng.uniform(0.8, 1.45)
    crop_height = height * rng.uniform(0.8, 1.3)
    centre_x += rng.normal(0.0, 0.06) * width
    centre_y += rng.normal(0.0, 0.05) * height
    if label == NOT_A_DIGIT and rng.random() < 0.15:  # a crop that misses the digit
        centre_x += rng.choice([-1.0, 1.0]) * width * rng.uniform(0.45, 0.6)
        target = np.zeros(NUM_CLASSES, np.float32)
        target[NOT_A_DIGIT] = 1.0
    crop = image.crop(
        (
            round(centre_x - crop_width / 2),
            round(centre_y - crop_height / 2),
            round(centre_x + crop_width / 2),
            round(centre_y + crop_height / 2),
        )
    )
    # The size the camera gives a digit: from a few pixels to very large.
    target_height = int(np.exp(rng.uniform(np.log(12), np.log(90))))
    target_width = max(4, round(target_height * crop_width / crop_height))
    crop = crop.resize((target_width, target_height), Image.Resampling.BILINEAR)
    return _degrade(rng, crop), label, target


class Renderer:
    """Draws samples from a fixed set of fonts, reproducibly from a seed."""

    def __init__(self, fonts: tuple[Path, ...], seed: int | list[int]) -> None:
        """Render each font's glyphs once."""
        self.glyphs = [render_glyphs(path) for path in fonts]
        self.rng = np.random.default_rng(seed)

    def batch(self, count: int) -> tuple[list[np.ndarray], np.ndarray]:
        """`count` cells and their labels."""
        cells, labels, _ = self.batch_with_targets(count)
        return cells, labels

    def batch_with_targets(
        self, count: int
    ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
        """`count` cells, their labels and their soft targets (count x 11)."""
        cells: list[np.ndarray] = []
        labels = np.empty(count, np.int64)
        targets = np.empty((count, NUM_CLASSES), np.float32)
        for index in range(count):
            glyphs = self.glyphs[int(self.rng.integers(0, len(self.glyphs)))]
            cell, labels[index], targets[index] = sample(self.rng, glyphs)
            cells.append(cell)
        return cells, labels, targets


def write_validation(path: Path, count: int, seed: int) -> None:
    """The shipped validation set: each cell a JPEG (as cameras send), packed flat."""
    renderer = Renderer(DRUM_FONTS_VALIDATION + LCD_FONTS_VALIDATION, seed)
    cells, labels = renderer.batch(count)
    encoded = []
    for cell in cells:
        buffer = io.BytesIO()
        Image.fromarray(cell).save(buffer, "JPEG", quality=85)
        encoded.append(np.frombuffer(buffer.getvalue(), np.uint8))
    ends = np.cumsum([len(jpeg) for jpeg in encoded])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, jpeg=np.concatenate(encoded), ends=ends, labels=labels)


def load_validation(path: Path) -> tuple[list[np.ndarray], np.ndarray]:
    """The validation set's RGB cells and labels."""
    data = np.load(path)
    cells, start = [], 0
    for end in data["ends"]:
        jpeg = data["jpeg"][start:end].tobytes()
        cells.append(np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB")))
        start = int(end)
    return cells, data["labels"]


def main() -> None:
    """Write the validation set, or a contact sheet of samples to look at."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--validation", type=Path)
    parser.add_argument("--count", type=int, default=1440)
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--sheet", type=Path, help="PNG of samples")
    args = parser.parse_args()
    if args.validation:
        write_validation(args.validation, args.count, args.seed)
    if args.sheet:
        renderer = Renderer(DRUM_FONTS_TRAIN + LCD_FONTS_TRAIN, args.seed)
        cells, labels = renderer.batch(120)
        sheet = Image.new("RGB", (12 * 64, 10 * 76), (128, 128, 128))
        draw = ImageDraw.Draw(sheet)
        for index, (cell, label) in enumerate(zip(cells, labels, strict=True)):
            tile = Image.fromarray(cell)
            tile.thumbnail((60, 60))
            x, y = (index % 12) * 64, (index // 12) * 76
            sheet.paste(tile, (x, y))
            draw.text((x, y + 62), "X" if label == NOT_A_DIGIT else str(label))
        sheet.save(args.sheet)


if __name__ == "__main__":
    main()
