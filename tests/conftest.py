import sys
from pathlib import Path

# The engine tests import the package straight from the checkout, without installing Frappe.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
