"""Files in conversations (layer: records): only the allowed kinds, recognised by their content as well as their name,
kept private. Frappe attaches the file to the message that carries it and serves a private file only
to those who may read that message, that is, those who may see its conversation."""

import io
import os
import zipfile
from dataclasses import dataclass

import frappe

from iqchannels.records import settings
from iqchannels.records.exceptions import fail

PREVIEW_SIDE = 1600
# extension -> (what the content must be, the message kind it makes)
ALLOWED = {
	"jpg": ("jpeg", "Image"),
	"jpeg": ("jpeg", "Image"),
	"png": ("png", "Image"),
	"gif": ("gif", "Image"),
	"tif": ("tiff", "Image"),
	"tiff": ("tiff", "Image"),
	"webp": ("webp", "Image"),
	"mp4": ("mp4", "Video"),
	"webm": ("webm", "Video"),
	"pdf": ("pdf", "File"),
	"doc": ("ole", "File"),
	"xls": ("ole", "File"),
	"ppt": ("ole", "File"),
	"docx": ("ooxml", "File"),
	"xlsx": ("ooxml", "File"),
	"pptx": ("ooxml", "File"),
	"odt": ("odf", "File"),
	"ods": ("odf", "File"),
	"odp": ("odf", "File"),
	"txt": ("text", "File"),
	"csv": ("text", "File"),
}


def content_type(content: bytes) -> str | None:
	"""What the bytes are, judged by their signature, whatever the file is called."""
	head = content[:16]
	if head.startswith(b"\xff\xd8\xff"):
		return "jpeg"
	if head.startswith(b"\x89PNG\r\n\x1a\n"):
		return "png"
	if head[:6] in (b"GIF87a", b"GIF89a"):
		return "gif"
	if head[:4] in (b"II*\x00", b"MM\x00*"):
		return "tiff"
	if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
		return "webp"
	if head[4:8] == b"ftyp":
		return "mp4"
	if head.startswith(b"\x1a\x45\xdf\xa3"):
		return "webm"
	if head.startswith(b"%PDF-"):
		return "pdf"
	if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
		return "ole"
	if head.startswith(b"PK\x03\x04"):
		return zipped_document(content)
	if b"\x00" not in content:
		try:
			content.decode("utf-8")
			return "text"
		except UnicodeDecodeError:
			return None
	return None


def zipped_document(content: bytes) -> str | None:
	try:
		names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
	except zipfile.BadZipFile:
		return None
	if "[Content_Types].xml" in names:
		return "ooxml"
	if "mimetype" in names and "content.xml" in names:
		return "odf"
	return None


def checked_kind(filename: str, content: bytes) -> str:
	"""The message kind for an allowed file; anything else is refused with the reason."""
	if not content:
		fail("invalid", "The file is empty.")
	limit_mb = settings.max_file_size_mb()
	if len(content) > limit_mb * 1024 * 1024:
		fail("invalid", "The file is larger than {0} MB.", limit_mb)
	extension = os.path.splitext(filename or "")[1].lower().lstrip(".")
	if extension not in ALLOWED:
		fail("invalid", "Files of type {0} are not accepted.", extension or "?")
	expected, kind = ALLOWED[extension]
	if content_type(content) != expected:
		fail("invalid", "The file {0} is not what its name says.", filename)
	return kind


@dataclass(frozen=True)
class Upload:
	"""A file checked and ready to store: nothing of it is written yet."""

	name: str
	content: bytes
	kind: str
	preview: bytes | None = None


def checked(filename: str, content: bytes) -> Upload:
	"""An allowed file, with its preview made where one is needed; anything else is refused before
	anything is written."""
	kind = checked_kind(filename, content)
	preview = png_preview(content) if content_type(content) == "tiff" else None
	return Upload(os.path.basename(filename), content, kind, preview)


def store(upload: Upload) -> dict:
	"""Store a checked file privately: the fields of the message that carries it (kind, attachment and,
	for images browsers cannot show, a PNG preview). The message that names the files in its Attach
	fields becomes their owner when it is saved."""
	fields = {"kind": upload.kind, "attachment": private_file(upload.name, upload.content)}
	if upload.preview:
		fields["preview"] = private_file(os.path.splitext(upload.name)[0] + ".preview.png", upload.preview)
	return fields


def private_file(name: str, content: bytes) -> str:
	file = frappe.get_doc({"doctype": "File", "file_name": name, "is_private": 1, "content": content})
	return file.insert(ignore_permissions=True).file_url


def png_preview(content: bytes) -> bytes:
	"""The first page of a TIFF as a PNG of at most 1600 px a side."""
	from PIL import Image, UnidentifiedImageError

	try:
		with Image.open(io.BytesIO(content)) as image:
			image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
			out = io.BytesIO()
			image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB").save(out, "PNG")
	except (UnidentifiedImageError, OSError, ValueError):
		fail("invalid", "The image cannot be read.")
	return out.getvalue()
