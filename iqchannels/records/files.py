"""Files in conversations (layer: records): only the allowed kinds (a setting), recognised by their content
with the `filetype` library as well as by their name, kept private. Frappe attaches the file to the message that carries it and serves a private file only
to those who may read that message, that is, those who may see its conversation."""

import io
import mimetypes
import os
import re
from dataclasses import dataclass

import filetype
import frappe

from iqchannels.records import settings
from iqchannels.records.exceptions import fail

PREVIEW_SIDE = 1600
DEFAULT_ALLOWED = (
	"jpg jpeg png gif tif tiff webp mp4 webm mov ogg oga mp3 m4a wav "
	"pdf doc docx xls xlsx ppt pptx odt ods odp txt csv"
)
# What `filetype` calls the content a file name's extension promises, where it names it otherwise.
RECOGNISED_AS = {
	"jpeg": {"jpg"},
	"tiff": {"tif"},
	"oga": {"ogg"},
	"mp4": {"mp4", "m4v"},
	"m4a": {"m4a", "mp4"},
}
# Word, Excel and PowerPoint 97 files are compound files, whose kind `filetype` names only for some
# writers: any compound file passes for them. Plain text has no signature at all.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLE_EXTENSIONS = {"doc", "xls", "ppt"}
TEXT_EXTENSIONS = {"txt", "csv"}
KIND_BY_MIME = {"image": "Image", "video": "Video", "audio": "Audio"}
# A stored copy's name must fit a file system's 255 bytes and Frappe's 140-character File name, with room
# for the suffix Frappe adds to keep it unique and for ".preview.png"; the message keeps the full name.
STORED_NAME_BYTES = 100


def allowed_extensions() -> set[str]:
	"""The extensions the settings allow (spaces, commas or dots between them), else the default set."""
	listed = settings.settings().get("allowed_file_types") or DEFAULT_ALLOWED
	return {word.lower() for word in re.split(r"[\s,;.]+", listed) if word}


def content_type(content: bytes) -> tuple[str, str] | None:
	"""(extension, MIME type) of what the bytes are, judged by their content, whatever the file is called."""
	guess = filetype.guess(content)
	if guess:
		return guess.extension, guess.mime
	if content.startswith(OLE_SIGNATURE):
		return "ole", "application/x-ole-storage"
	if b"\x00" not in content:
		try:
			content.decode("utf-8")
			return "txt", "text/plain"
		except UnicodeDecodeError:
			return None
	return None


def matches(extension: str, recognised: str) -> bool:
	if extension in OLE_EXTENSIONS and recognised == "ole":
		return True
	if extension in TEXT_EXTENSIONS:
		return recognised == "txt"
	return recognised in RECOGNISED_AS.get(extension, {extension})


def kind_by_name(filename: str) -> str:
	"""The message kind a file's name promises (its content is checked when it is stored)."""
	mime = mimetypes.guess_type(filename or "")[0] or ""
	return KIND_BY_MIME.get(mime.split("/")[0], "File")


def checked_kind(filename: str, content: bytes) -> str:
	"""The message kind for an allowed file; anything else is refused with the reason."""
	if not content:
		fail("invalid", "The file is empty.")
	limit_mb = settings.max_file_size_mb()
	if len(content) > limit_mb * 1024 * 1024:
		fail("invalid", "The file {0} is larger than {1} MB.", filename, limit_mb)
	extension = os.path.splitext(filename or "")[1].lower().lstrip(".")
	if extension not in allowed_extensions():
		fail("invalid", "Files of type {0} are not accepted.", extension or "?")
	found = content_type(content)
	if not found or not matches(extension, found[0]):
		fail("invalid", "The file {0} is not what its name says.", filename)
	return KIND_BY_MIME.get(found[1].split("/")[0], "File")


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
	preview = png_preview(content) if content_type(content)[0] == "tif" else None
	return Upload(os.path.basename(filename), content, kind, preview)


def store(upload: Upload) -> dict:
	"""Store a checked file privately: the fields of the message that carries it (kind, attachment and,
	for images browsers cannot show, a PNG preview). The message that names the files in its Attach
	fields becomes their owner when it is saved."""
	name = stored_name(upload.name)
	fields = {"kind": upload.kind, "attachment": private_file(name, upload.content)}
	if upload.preview:
		fields["preview"] = private_file(os.path.splitext(name)[0] + ".preview.png", upload.preview)
	return fields


def stored_name(filename: str) -> str:
	"""The file's name cut to STORED_NAME_BYTES of UTF-8, its extension kept whole."""
	stem, extension = os.path.splitext(filename)
	room = STORED_NAME_BYTES - len(extension.encode())
	return stem.encode()[:room].decode(errors="ignore") + extension


def private_file(name: str, content: bytes) -> str:
	file = frappe.get_doc({"doctype": "File", "file_name": name, "is_private": 1, "content": content})
	return file.insert(ignore_permissions=True).file_url


def file_of_message(message) -> tuple[str, bytes]:
	"""The name the file was sent under (the message's text; the stored copy's name may carry a
	suffix that kept it unique) and its bytes, for a channel that sends it on."""
	file = frappe.get_doc("File", {"file_url": message.attachment})
	name = (message.text or "").strip() or file.file_name or os.path.basename(message.attachment)
	return name, file.get_content()


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
