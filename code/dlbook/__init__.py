"""dlbook: the tested code behind the Deep Learning Workshops book.

Each module teaches one concept and is imported by the chapter that explains it.
Importing the package is cheap: modules are imported on first use, not here.
"""

__version__ = "0.1.0"
