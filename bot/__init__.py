"""FAQ bot about the Entraide Nationale (التعاون الوطني) in Taza province."""

__version__ = "0.1.0"
