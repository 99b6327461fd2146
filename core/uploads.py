"""Request size cap for uploads: an oversized multipart body is not read, let alone written
to disk.

Django's multipart parser hands each file to the upload handlers in order
(`FILE_UPLOAD_HANDLERS`). This one goes first: when the request's Content-Length is above
the cap (`DATA_UPLOAD_MAX_MEMORY_SIZE`, the largest upload plus its form fields) it stops the
upload at the first file part — the form fields before it (the CSRF token) are kept, the file
is dropped and the rest of the body is never read (`StopUpload(connection_reset=True)`). It
also counts the bytes of each file, so a body without an honest length stops at the cap.
Accepted uploads stay in memory (`FILE_UPLOAD_MAX_MEMORY_SIZE` is the same cap), so no upload
touches the disk. Views name the refusal with `request_too_large`.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


def upload_cap() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def request_too_large(request) -> bool:
    """The request announced a body above the cap (its file was not read)."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > upload_cap()
    except (TypeError, ValueError):
        return False


class RequestSizeCapHandler(FileUploadHandler):
    too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.too_large = content_length > upload_cap()
        return None  # let the parser go on: the fields before the file still count

    def new_file(self, *args, **kwargs):
        if self.too_large:
            raise StopUpload(connection_reset=True)
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > upload_cap():
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None
