"""Files of every kind the chats accept, made for real (images by Pillow, documents as the containers
their programs write), and the look-alikes that must be refused."""

import io
import zipfile

from PIL import Image


def image(fmt: str) -> bytes:
	out = io.BytesIO()
	picture = Image.new("RGB", (64, 48), (47, 111, 237))
	picture.save(out, fmt)
	return out.getvalue()


def zipped(entries: dict[str, str]) -> bytes:
	out = io.BytesIO()
	with zipfile.ZipFile(out, "w") as z:
		for name, text in entries.items():
			z.writestr(name, text)
	return out.getvalue()


def ooxml(part: str) -> bytes:
	return zipped({"[Content_Types].xml": "<Types/>", f"{part}.xml": "<root/>"})


def odf(mimetype: str) -> bytes:
	return zipped({"mimetype": mimetype, "content.xml": "<office:document-content/>"})


# The compound-file header every Word 97, Excel 97 and PowerPoint 97 file starts with.
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00" + b"\x00" * 480
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00\x00\x00\x08free"
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"


def allowed() -> dict[str, tuple[bytes, str]]:
	"""file name -> (content, the message kind it makes)"""
	return {
		"photo.jpg": (image("JPEG"), "Image"),
		"photo.jpeg": (image("JPEG"), "Image"),
		"screen.png": (image("PNG"), "Image"),
		"loop.gif": (image("GIF"), "Image"),
		"scan.tiff": (image("TIFF"), "Image"),
		"scan.tif": (image("TIFF"), "Image"),
		"photo.webp": (image("WEBP"), "Image"),
		"clip.mp4": (MP4, "Video"),
		"clip.webm": (WEBM, "Video"),
		"invoice.pdf": (PDF, "File"),
		"letter.doc": (OLE, "File"),
		"table.xls": (OLE, "File"),
		"slides.ppt": (OLE, "File"),
		"letter.docx": (ooxml("word/document"), "File"),
		"table.xlsx": (ooxml("xl/workbook"), "File"),
		"slides.pptx": (ooxml("ppt/presentation"), "File"),
		"letter.odt": (odf("application/vnd.oasis.opendocument.text"), "File"),
		"table.ods": (odf("application/vnd.oasis.opendocument.spreadsheet"), "File"),
		"slides.odp": (odf("application/vnd.oasis.opendocument.presentation"), "File"),
		"notes.txt": ("Привіт, hello\n".encode(), "File"),
		"prices.csv": (b"item,price\ntea,3\n", "File"),
	}


def look_alikes() -> dict[str, bytes]:
	"""Files whose name promises an allowed kind and whose content is something else."""
	return {
		"photo.png": EXE,
		"photo.jpg": image("PNG"),
		"invoice.pdf": EXE,
		"letter.docx": zipped({"payload.exe": "MZ"}),
		"letter.doc": PDF,
		"notes.txt": EXE,
		"clip.mp4": image("GIF"),
		"setup.exe": EXE,
		"script.js": b"alert(1)",
		"page.html": b"<script>alert(1)</script>",
	}
