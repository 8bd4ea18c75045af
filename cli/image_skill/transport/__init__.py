"""The one owner of HTTP in the CLI (imports nothing here, so start-up stays cheap):

- ``api``: ``Transport``, API calls (one operation, one envelope);
- ``retry``: which requests are sent again (urllib3's ``Retry``), the keyed-POST rule included;
- ``download``: media downloads to a file (assets get);
- ``fetch``: an image URL given to ``upload`` (or an image flag), fetched by the CLI itself;
- ``streaming``: the whole-exchange deadline, bounded chunked reads, SIGTERM as Ctrl-C.
"""
