import sys
from pathlib import Path

# Tests import the generator package (scripts/demo_data) and the dbt runner helper.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
