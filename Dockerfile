FROM python:3.11-slim AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
# collectstatic needs production settings to load; these build-time values are never used at run time.
RUN STEWARD_ENV=production SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-xx \
    ALLOWED_HOSTS=build DATABASE_URL=postgres://build@localhost/build \
    python manage.py collectstatic --noinput
RUN useradd --create-home steward && mkdir -p /app/var && chown steward /app/var
USER steward
ENV STEWARD_ENV=production STEWARD_VAR_DIR=/app/var
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
