"""image-skill assets show REF / assets get REF."""

USAGE = """
Usage:
  image-skill assets show <ref> [options]
  image-skill assets get <ref> [--output=PATH] [--overwrite] [options]

Options:
  --output=PATH  Where to write the file (default: ./<asset_id>.<ext>).
  --overwrite    Replace an existing output file.
"""
