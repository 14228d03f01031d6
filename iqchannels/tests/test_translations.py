"""Every message a person can read ships in Russian and Ukrainian, and reaches them in their language."""

import csv
import re
from pathlib import Path

import frappe

from iqchannels.api import operator as api
from iqchannels.tests.factories import IQCTestCase, make_operator

APP = Path(frappe.get_app_path("iqchannels"))
# _("..."), and the English templates handed to the engine's DomainError and the shell's fail().
MESSAGE = re.compile(r'(?:\b_\(|DomainError\(\s*"[a-z_]+",\s*|\bfail\(\s*"[a-z_]+",\s*)"((?:[^"\\]|\\.)+)"')


# __("...") in the desk's pages and their Vue components
PAGE_MESSAGE = re.compile(r"""\b__\(\s*(?:"((?:[^"\\]|\\.)+)"|'((?:[^'\\]|\\.)+)')""")


def messages_in_code() -> set[str]:
	found = set()
	for path in APP.rglob("*.py"):
		if "tests" not in path.parts:
			found.update(MESSAGE.findall(path.read_text()))
	return found


def messages_in_pages() -> set[str]:
	found = set()
	for pattern in ("*.js", "*.vue"):
		for path in APP.rglob(pattern):
			if "node_modules" not in path.parts and "dist" not in path.parts:
				found.update(a or b for a, b in PAGE_MESSAGE.findall(path.read_text()))
	return found


def rows(lang: str) -> list[list[str]]:
	with open(APP / "translations" / f"{lang}.csv", newline="") as f:
		return [row for row in csv.reader(f) if row]


def translated(lang: str) -> dict[str, str]:
	return {row[0]: row[1] for row in rows(lang)}


class TestTranslations(IQCTestCase):
	def test_every_message_is_translated(self):
		strings = messages_in_code()
		self.assertGreater(len(strings), 30)
		for lang in ("ru", "uk"):
			missing = sorted(s for s in strings if not translated(lang).get(s))
			self.assertEqual(missing, [], f"untranslated in {lang}.csv")

	def test_every_string_of_the_workspace_page_is_translated(self):
		strings = messages_in_pages()
		self.assertGreater(len(strings), 80)
		for lang in ("ru", "uk"):
			missing = sorted(s for s in strings if not translated(lang).get(s))
			self.assertEqual(missing, [], f"untranslated in {lang}.csv")

	def test_translations_keep_the_placeholders_and_the_file_format(self):
		placeholder = re.compile(r"\{[a-z0-9_]*\}")
		for lang in ("ru", "uk"):
			for row in rows(lang):
				self.assertLessEqual(len(row), 3, f"unquoted comma in {lang}.csv: {row}")
				self.assertEqual(
					sorted(placeholder.findall(row[0])), sorted(placeholder.findall(row[1])), row
				)

	def test_an_operator_reads_errors_in_their_language(self):
		frappe.set_user(make_operator())
		try:
			frappe.local.lang = "ru"
			error = self.assertRefused(400, api.set_status, "Lunch")
			self.assertIn("Неизвестный статус", str(error))
			frappe.local.lang = "uk"
			error = self.assertRefused(400, api.set_status, "Lunch")
			self.assertIn("Невідомий статус", str(error))
		finally:
			frappe.local.lang = "en"
