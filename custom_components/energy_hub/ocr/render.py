"""Pictures the OCR meter shows the user; Home-Assistant-free (Pillow only).

The flows' preview (the snapshot with the digit window drawn on it) and the
image entity's crop (the digit window with what was read in each cell).
"""

from collections.abc import Sequence
import io

from PIL import Image, ImageDraw, ImageFont

# Window outline and labels: visible on dark and light meter faces alike.
OUTLINE = (255, 0, 255)
CELL_LINE = (0, 255, 255)
LABEL_BACKGROUND = (0, 0, 0)
LABEL_TEXT = (255, 255, 0)
# Crops are enlarged to at least this height so the labels stay legible.
MIN_CROP_HEIGHT = 96
LABEL_HEIGHT = 28


def decode(content: bytes) -> Image.Image:
    """A photo (JPEG, PNG, …) as an RGB image; raises OSError when it is none."""
    with Image.open(io.BytesIO(content)) as image:
        image.load()
        return image.convert("RGB")


def png(image: Image.Image) -> bytes:
    """Encode as PNG."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def window_inside(size: tuple[int, int], window: tuple[int, int, int, int]) -> bool:
    """Whether the window (x, y, width, height) lies inside an image of `size`."""
    x, y, width, height = window
    return (
        x >= 0
        and y >= 0
        and width > 0
        and height > 0
        and x + width <= size[0]
        and y + height <= size[1]
    )


def draw_window(
    image: Image.Image, window: tuple[int, int, int, int], digits: int
) -> Image.Image:
    """A copy of the photo with the window and its digit cells outlined."""
    annotated = image.copy()
    draw = ImageDraw.Draw(annotated)
    x, y, width, height = window
    line = max(2, image.width // 400)
    for cell in range(1, digits):
        cell_x = x + round(cell * width / digits)
        draw.line([(cell_x, y), (cell_x, y + height)], fill=CELL_LINE, width=1)
    draw.rectangle([x, y, x + width - 1, y + height - 1], outline=OUTLINE, width=line)
    return annotated


def annotate_crop(
    crop: Image.Image,
    values: Sequence[int | None],
    confidences: Sequence[float],
) -> Image.Image:
    """The digit window with each cell's digit and confidence written under it.

    A cell read as "not a digit" shows `?`.
    """
    if crop.height < MIN_CROP_HEIGHT:
        scale = MIN_CROP_HEIGHT / crop.height
        crop = crop.resize((max(1, round(crop.width * scale)), MIN_CROP_HEIGHT))
    canvas = Image.new(
        "RGB", (crop.width, crop.height + LABEL_HEIGHT), LABEL_BACKGROUND
    )
    canvas.paste(crop, (0, 0))
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=12)
    cells = max(1, len(values))
    for index, (value, confidence) in enumerate(zip(values, confidences, strict=False)):
        left = round(index * crop.width / cells)
        right = round((index + 1) * crop.width / cells)
        if index:
            draw.line([(left, 0), (left, crop.height)], fill=CELL_LINE, width=1)
        label = f"{'?' if value is None else value} {round(confidence * 100)}%"
        draw.text(
            ((left + right) / 2, crop.height + LABEL_HEIGHT / 2),
            label,
            fill=LABEL_TEXT,
            font=font,
            anchor="mm",
        )
    return canvas
