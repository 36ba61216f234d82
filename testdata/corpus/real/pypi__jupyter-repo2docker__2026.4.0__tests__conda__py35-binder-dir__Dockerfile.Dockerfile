# This file should be ignored because there's a dedicated binder folder
FROM doesntmatter
