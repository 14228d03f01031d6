"""The shell's layers hold: every import of the app, also one inside a function, goes to its own layer
or a lower one, never upward, and no modules import each other in a circle (README, "How it is built")."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "iqchannels"

# Lowest first. A module's layer is that of the first prefix of its path (inside the package) listed.
LAYERS = [
	("engine", ["engine/"]),
	("records", ["records/", "iqchannels/doctype/"]),
	("channels", ["channels/"]),
	("flows", ["flows/"]),
	("read models", ["views/"]),
	(
		"endpoints",
		["api/", "www/", "commands/", "iqchannels/report/", "iqchannels/page/", "hooks.py", "install.py"],
	),
]
LEFT_OUT = ("tests/", "patches/", "__init__.py")


def layer_of(relative: str) -> int | None:
	for rank, (_name, prefixes) in enumerate(LAYERS):
		if any(relative.startswith(prefix) for prefix in prefixes):
			return rank
	return None


def module_files() -> dict[str, Path]:
	modules = {}
	for path in PACKAGE.rglob("*.py"):
		relative = path.relative_to(PACKAGE).as_posix()
		if relative.startswith(LEFT_OUT) or "/test_" in relative or relative.startswith("test_"):
			continue
		if path.name == "__init__.py":
			continue
		modules["iqchannels." + relative[:-3].replace("/", ".")] = path
	return modules


MODULES = module_files()


def imports_of(path: Path) -> set[str]:
	"""The app's modules that `path` imports anywhere in it."""
	found = set()
	for node in ast.walk(ast.parse(path.read_text(), str(path))):
		names = []
		if isinstance(node, ast.Import):
			names = [alias.name for alias in node.names]
		elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
			names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
		for name in names:
			while name and name not in MODULES:
				name = name.rpartition(".")[0]
			if name:
				found.add(name)
	return found


def relative(module: str) -> str:
	return MODULES[module].relative_to(PACKAGE).as_posix()


GRAPH = {module: imports_of(path) - {module} for module, path in MODULES.items()}


def test_every_module_has_a_layer():
	assert [m for m in MODULES if layer_of(relative(m)) is None] == []


def test_no_module_imports_a_higher_layer():
	upward = [
		f"{relative(module)} ({LAYERS[layer_of(relative(module))][0]}) imports {relative(target)} "
		f"({LAYERS[layer_of(relative(target))][0]})"
		for module, targets in GRAPH.items()
		for target in targets
		if layer_of(relative(target)) > layer_of(relative(module))
	]
	assert upward == []


def test_the_engine_imports_nothing_of_frappe():
	engine = [path for module, path in MODULES.items() if relative(module).startswith("engine/")]
	assert engine
	for path in engine:
		for node in ast.walk(ast.parse(path.read_text())):
			if isinstance(node, ast.Import | ast.ImportFrom):
				names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
				assert not any(n == "frappe" or n.startswith("frappe.") for n in names), path


def test_no_modules_import_each_other_in_a_circle():
	state: dict[str, str] = {}
	circles = []

	def visit(module: str, trail: list[str]):
		state[module] = "open"
		for target in sorted(GRAPH[module]):
			if state.get(target) == "open":
				circles.append(trail[trail.index(target) :] + [target])
			elif target not in state:
				visit(target, trail + [target])
		state[module] = "done"

	for module in sorted(GRAPH):
		if module not in state:
			visit(module, [module])
	assert circles == []


def test_the_layers_are_the_ones_the_readme_describes():
	readme = (PACKAGE.parent / "README.md").read_text()
	for _name, prefixes in LAYERS:
		for prefix in prefixes:
			if prefix.endswith("/") and not prefix.startswith("iqchannels/"):
				assert f"`{prefix}`" in readme, f"README names the folder {prefix}"
