"""The Textual interface: screens and dialogs that call the services, never SQL."""

import os

# Textual draws at most 60 frames a second unless told otherwise, so a search's new rows could
# wait up to 16.7 ms for their frame: a third of the 50 ms a keystroke may take. A frame is drawn
# only when something changed, so a higher cap costs nothing while the screen is still. (Set
# here, before Textual is imported; a TEXTUAL_FPS of the user's own wins.)
FRAMES_PER_SECOND = 120
os.environ.setdefault("TEXTUAL_FPS", str(FRAMES_PER_SECOND))
