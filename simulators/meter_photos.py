"""Synthetic photos of utility meters with known readings; Home-Assistant-free.

The OCR tests and benchmark read them, and the meter-camera simulator serves
them.

A meter face (labels, a barcode, screws, the digit window) is drawn flat,
set on a textured wall through a perspective (the camera's mount), and
photographed at 1280 x 720: the camera may be knocked (shift, turn), the
light may be low or glaring, the sensor noisy, the lens soft, the JPEG
coarse. Styles: drums white on black, black on white, white on black with
red decimal drums, and a seven-segment LCD. Drums roll like an odometer: the
last one turns continuously, each higher one turns while the one below goes
from 9 to 0.

Fonts (vendored under simulators/fonts/ with their licences): DejaVu Sans Mono
Bold (drums, labels) and DSEG7 Classic Bold (the LCD).
"""

from dataclasses import dataclass, field
from enum import StrEnum
import io
import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS = Path(__file__).parent / "fonts"
DRUM_FONT = FONTS / "DejaVuSansMono-Bold.ttf"
LCD_FONT = FONTS / "DSEG7Classic-Bold.ttf"

PHOTO_SIZE = (1280, 720)
# The world is drawn larger than the photo so that a knocked camera still
# sees wall at the edges.
MARGIN = 120
FACE_SIZE = (900, 520)
CELL_SIZE = (64, 96)
WINDOW_TOP = 190
# Where the face's corners land in the reference photo (a slight slant).
MOUNT = ((200.0, 110.0), (1085.0, 122.0), (1072.0, 628.0), (212.0, 612.0))


type Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class WindowGeometry:
    """The digit window as a user draws it on the reference photo.

    The same fields as the OCR pipeline's `Window` (which the tests build from
    it): the simulators stay apart from the integration.
    """

    x: float
    y: float
    width: float
    height: float
    digits: int
    corners: tuple[Point, Point, Point, Point]


class Style(StrEnum):
    """How the counter looks."""

    WHITE_ON_BLACK = "white_on_black"
    BLACK_ON_WHITE = "black_on_white"
    RED_DECIMALS = "red_decimals"
    LCD = "lcd"


@dataclass(frozen=True, slots=True)
class Shot:
    """How one photo is taken; the defaults are a clean photo from the mount."""

    shift: tuple[float, float] = (0.0, 0.0)
    rotation: float = 0.0
    # The camera swung sideways: its right side this much further away
    # (a keystone; 0.05 shrinks the right edge by about 5 %).
    tilt: float = 0.0
    light: float = 1.0
    noise: float = 0.0
    blur: float = 0.0
    # Centre (photo pixels), radius and strength of a glare spot.
    glare: tuple[float, float, float] | None = None
    jpeg: int | None = None
    seed: int = 0


@dataclass(slots=True)
class Meter:
    """One meter on one wall, seen by one camera; `photo` takes pictures of it."""

    style: Style = Style.WHITE_ON_BLACK
    digits: int = 8
    decimals: int = 1
    seed: int = 7
    mount: tuple[tuple[float, float], ...] = MOUNT
    _world: Image.Image | None = field(default=None, init=False)

    # Geometry -------------------------------------------------------------------

    def _window_box(self) -> tuple[int, int, int, int]:
        width = self.digits * CELL_SIZE[0]
        left = (FACE_SIZE[0] - width) // 2
        return left, WINDOW_TOP, width, CELL_SIZE[1]

    def _mount_homography(self) -> np.ndarray:
        """Face pixels to world pixels."""
        face = [(0, 0), (FACE_SIZE[0], 0), FACE_SIZE, (0, FACE_SIZE[1])]
        world = [(x + MARGIN, y + MARGIN) for x, y in self.mount]
        return _homography(np.array(face, float), np.array(world, float))

    def reference_window(self) -> WindowGeometry:
        """The digit window as a user draws it on the reference photo."""
        left, top, width, height = self._window_box()
        corners = np.array(
            [
                (left, top),
                (left + width, top),
                (left + width, top + height),
                (left, top + height),
            ],
            float,
        )
        points = _apply(self._mount_homography(), corners) - MARGIN
        quad = tuple((float(x), float(y)) for x, y in points)
        xs, ys = points[:, 0], points[:, 1]
        return WindowGeometry(
            x=float(xs.min()),
            y=float(ys.min()),
            width=float(xs.max() - xs.min()),
            height=float(ys.max() - ys.min()),
            digits=self.digits,
            corners=(quad[0], quad[1], quad[2], quad[3]),
        )

    def window_in_photo(self, shot: Shot) -> np.ndarray:
        """Where the window's corners are in a photo taken as `shot` (4 x 2)."""
        reference = np.array(self.reference_window().corners, float) + MARGIN
        return _apply(np.linalg.inv(_camera(shot)), reference)

    # Drawing --------------------------------------------------------------------

    def _wall(self) -> Image.Image:
        rng = np.random.default_rng(self.seed)
        width, height = PHOTO_SIZE[0] + 2 * MARGIN, PHOTO_SIZE[1] + 2 * MARGIN
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        shade = 150 + 40 * np.sin(xs / 310.0 + 1.0) * np.cos(ys / 270.0)
        texture = rng.normal(0, 6, (height // 8 + 1, width // 8 + 1)).astype(np.float32)
        texture = np.kron(texture, np.ones((8, 8), np.float32))[:height, :width]
        base = np.clip(shade + texture, 0, 255)
        wall = np.stack([base * 0.95, base * 0.9, base * 0.8], axis=2).astype(np.uint8)
        image = Image.fromarray(wall)
        draw = ImageDraw.Draw(image)
        # A pipe, a cable and a fuse box: things the alignment can hold on to.
        draw.rectangle(
            (MARGIN - 60, 40, MARGIN - 20, height - 40), fill=(120, 110, 100)
        )
        draw.line(
            (width - MARGIN - 30, 0, width - MARGIN + 40, height),
            fill=(30, 30, 30),
            width=9,
        )
        draw.rectangle(
            (width - 180, 60, width - 60, 260),
            fill=(210, 210, 215),
            outline=(90, 90, 90),
            width=4,
        )
        return image

    def _face(self, reading: float) -> Image.Image:
        face = Image.new("RGB", FACE_SIZE, (212, 210, 198))
        draw = ImageDraw.Draw(face)
        draw.rounded_rectangle(
            (4, 4, FACE_SIZE[0] - 5, FACE_SIZE[1] - 5),
            30,
            outline=(70, 70, 70),
            width=6,
        )
        label = ImageFont.truetype(DRUM_FONT, 30)
        small = ImageFont.truetype(DRUM_FONT, 20)
        draw.text((60, 60), "ELECTRICITY METER", font=label, fill=(40, 40, 40))
        draw.text((60, 330), "No. 40917265   Cl. 1", font=small, fill=(40, 40, 40))
        draw.text((60, 362), "230 V  10(60) A  50 Hz", font=small, fill=(40, 40, 40))
        draw.text((60, 394), "1000 imp/kWh", font=small, fill=(40, 40, 40))
        left, top, width, height = self._window_box()
        draw.text(
            (left + width + 14, top + height - 36), "kWh", font=label, fill=(30, 30, 30)
        )
        bars = np.random.default_rng(self.seed + 1).integers(1, 5, 40)
        x = 560
        for index, bar in enumerate(bars):
            if index % 2 == 0:
                draw.rectangle((x, 330, x + int(bar) * 2, 420), fill=(20, 20, 20))
            x += int(bar) * 2 + 2
        for cx, cy in ((40, 480), (FACE_SIZE[0] - 40, 480), (FACE_SIZE[0] // 2, 470)):
            draw.ellipse(
                (cx - 14, cy - 14, cx + 14, cy + 14),
                fill=(150, 150, 150),
                outline=(60, 60, 60),
                width=3,
            )
            draw.line((cx - 10, cy, cx + 10, cy), fill=(60, 60, 60), width=3)
        draw.rectangle(
            (left - 10, top - 10, left + width + 10, top + height + 10),
            fill=(45, 45, 45),
        )
        face.paste(self._counter(reading), (left, top))
        return face

    def _counter(self, reading: float) -> Image.Image:
        if self.style is Style.LCD:
            return self._lcd(reading)
        width, height = CELL_SIZE
        counter = Image.new("RGB", (width * self.digits, height), (40, 40, 40))
        font = ImageFont.truetype(DRUM_FONT, int(height * 0.62))
        positions = drum_positions(reading, self.digits, self.decimals)
        for index, position in enumerate(positions):
            decimal = index >= self.digits - self.decimals
            if self.style is Style.BLACK_ON_WHITE:
                paper, ink = (226, 224, 216), (22, 22, 22)
            elif self.style is Style.RED_DECIMALS and decimal:
                paper, ink = (170, 28, 28), (236, 232, 228)
            else:
                paper, ink = (26, 26, 28), (232, 232, 226)
            counter.paste(_drum(position, font, paper, ink), (index * width, 0))
        draw = ImageDraw.Draw(counter)
        for index in range(1, self.digits):
            draw.line(
                (index * width, 0, index * width, height), fill=(10, 10, 10), width=3
            )
        return counter

    def _lcd(self, reading: float) -> Image.Image:
        width, height = CELL_SIZE
        glass, ghost, ink = (158, 172, 146), (146, 160, 136), (28, 34, 28)
        counter = Image.new("RGB", (width * self.digits, height), glass)
        draw = ImageDraw.Draw(counter)
        font = ImageFont.truetype(LCD_FONT, int(height * 0.6))
        text = display_text(reading, self.digits, self.decimals).replace(".", "")
        for index, char in enumerate(text):
            centre = (index * width + width / 2, height / 2)
            _centred(draw, centre, "8", font, ghost)
            _centred(draw, centre, char, font, ink)
        if self.decimals:
            x = (self.digits - self.decimals) * width
            draw.ellipse((x - 5, height - 20, x + 3, height - 12), fill=ink)
        return counter

    def _world_image(self) -> Image.Image:
        if self._world is None:
            self._world = self._wall()
        return self._world

    def photo(self, reading: float, shot: Shot = Shot()) -> np.ndarray:
        """A 1280 x 720 RGB uint8 photo of the meter showing `reading`."""
        world = self._world_image().copy()
        face = self._face(reading)
        inverse = np.linalg.inv(self._mount_homography())
        placed = face.transform(
            world.size,
            Image.Transform.PERSPECTIVE,
            _pillow(inverse),
            Image.Resampling.BILINEAR,
        )
        mask = Image.new("L", FACE_SIZE, 255).transform(
            world.size,
            Image.Transform.PERSPECTIVE,
            _pillow(inverse),
            Image.Resampling.BILINEAR,
        )
        world.paste(placed, (0, 0), mask)
        camera = _camera(shot)
        photo = world.transform(
            PHOTO_SIZE,
            Image.Transform.PERSPECTIVE,
            _pillow(camera),
            Image.Resampling.BILINEAR,
        )
        if shot.blur:
            photo = photo.filter(ImageFilter.GaussianBlur(shot.blur))
        pixels = np.asarray(photo, np.float32)
        rng = np.random.default_rng(shot.seed)
        if shot.light != 1.0:
            ys = np.linspace(0.85, 1.15, PHOTO_SIZE[1], dtype=np.float32)[:, None, None]
            pixels = pixels * shot.light * ys
        if shot.glare is not None:
            gx, gy, radius = shot.glare[0], shot.glare[1], shot.glare[2]
            ys, xs = np.mgrid[0 : PHOTO_SIZE[1], 0 : PHOTO_SIZE[0]].astype(np.float32)
            spot = np.exp(-((xs - gx) ** 2 + (ys - gy) ** 2) / (2 * radius**2))
            pixels = pixels + 600.0 * spot[:, :, None]
        if shot.noise:
            pixels = pixels + rng.normal(0, shot.noise, pixels.shape).astype(np.float32)
        result = np.clip(pixels, 0, 255).astype(np.uint8)
        if shot.jpeg is not None:
            buffer = io.BytesIO()
            Image.fromarray(result).save(buffer, format="JPEG", quality=shot.jpeg)
            buffer.seek(0)
            result = np.asarray(Image.open(buffer).convert("RGB"), np.uint8)
        return result


def drum_positions(reading: float, digits: int, decimals: int) -> list[float]:
    """Each drum's turn (0 up to 10; 3.5 = half-way from 3 to 4), most significant first.

    The last drum turns with the reading; a higher one turns while the one
    below goes from 9 to 0, like an odometer.
    """
    units = reading * 10**decimals
    positions = [units % 10]
    for power in range(1, digits):
        below = positions[-1]
        whole = math.floor(units / 10**power + 1e-9) % 10
        positions.append(whole + max(0.0, below - 9.0))
    return positions[::-1]


def display_text(reading: float, digits: int, decimals: int) -> str:
    """What the counter shows for `reading`, the decimals truncated: `0012345.6`."""
    units = math.floor(round(reading * 10**decimals, 6)) % 10**digits
    text = f"{units:0{digits}d}"
    if decimals:
        return f"{text[: digits - decimals]}.{text[digits - decimals :]}"
    return text


def shown(reading: float, digits: int, decimals: int) -> float:
    """The value a correct reader gives for `reading` (truncated, wrapped)."""
    return float(display_text(reading, digits, decimals))


def _drum(
    position: float,
    font: ImageFont.FreeTypeFont,
    paper: tuple[int, int, int],
    ink: tuple[int, int, int],
) -> Image.Image:
    width, height = CELL_SIZE
    cell = Image.new("RGB", CELL_SIZE, paper)
    draw = ImageDraw.Draw(cell)
    digit = math.floor(position) % 10
    offset = (position - math.floor(position)) * height
    _centred(draw, (width / 2, height / 2 - offset), str(digit), font, ink)
    _centred(draw, (width / 2, height * 1.5 - offset), str((digit + 1) % 10), font, ink)
    # The drum's curve: darker towards its top and bottom edges.
    ys = np.linspace(-1, 1, height, dtype=np.float32)
    shade = (1 - 0.35 * ys**4)[:, None, None]
    pixels = np.asarray(cell, np.float32) * shade
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _centred(
    draw: ImageDraw.ImageDraw,
    centre: tuple[float, float],
    text: str,
    font: ImageFont.FreeTypeFont,
    fill: tuple[int, int, int],
) -> None:
    """Draw a digit with its glyph (not the font's line) centred on `centre`."""
    _left, top, _right, bottom = font.getbbox("8", anchor="ls")
    baseline = centre[1] - (top + bottom) / 2
    draw.text((centre[0], baseline), text, font=font, fill=fill, anchor="ms")


def _camera(shot: Shot) -> np.ndarray:
    """Photo pixels to world pixels: the camera turned, tilted and shifted.

    The content of the photo turns counter-clockwise (as seen) by `rotation`
    degrees about the photo's centre, is seen at a slant by `tilt`, and moves
    by `shift`.
    """
    turn = math.radians(shot.rotation)
    cos, sin = math.cos(turn), math.sin(turn)
    cx, cy = PHOTO_SIZE[0] / 2, PHOTO_SIZE[1] / 2
    # world -> photo: p = R (w - M - c) + c + shift, R turning counter-clockwise as seen.
    forward = np.array(
        [
            [cos, sin, 0.0],
            [-sin, cos, 0.0],
            [0.0, 0.0, 1.0],
        ]
    )
    to_centre = np.array([[1, 0, -MARGIN - cx], [0, 1, -MARGIN - cy], [0, 0, 1]], float)
    keystone = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [shot.tilt / cx, 0.0, 1.0]])
    back = np.array(
        [[1, 0, cx + shot.shift[0]], [0, 1, cy + shot.shift[1]], [0, 0, 1]], float
    )
    return np.linalg.inv(back @ keystone @ forward @ to_centre)


def _homography(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    rows: list[list[float]] = []
    values: list[float] = []
    for (x, y), (u, v) in zip(source, target, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -x * u, -y * u])
        rows.append([0, 0, 0, x, y, 1, -x * v, -y * v])
        values.extend((u, v))
    solution = np.linalg.solve(np.array(rows, np.float64), np.array(values, np.float64))
    return np.append(solution, 1.0).reshape(3, 3)


def _apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    ones = np.ones((points.shape[0], 1))
    mapped = np.hstack([points, ones]) @ matrix.T
    result: np.ndarray = mapped[:, :2] / mapped[:, 2:]
    return result


def _pillow(matrix: np.ndarray) -> tuple[float, ...]:
    """Pillow's PERSPECTIVE data: output pixel to input pixel."""
    normalised = matrix / matrix[2, 2]
    return tuple(float(value) for value in normalised.flatten()[:8])
