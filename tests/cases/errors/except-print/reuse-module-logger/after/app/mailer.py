import logging
import smtplib

log = logging.getLogger("app.mailer")


def send(host: str, to: str, message: str) -> bool:
    try:
        with smtplib.SMTP(host) as smtp:
            smtp.sendmail("shop@example.com", [to], message)
    except smtplib.SMTPRecipientsRefused as e:
        log.warning("Recipient refused: %s (%s)", to, e)
        return False
    except smtplib.SMTPException as e:
        log.exception("SMTP failure for %s", to)
        log.critical("mail relay %s is down", host, exc_info=True)
        log.exception("Could not send mail to %s", to)
        return False
    return True


def notify_all(host: str, recipients: list[str], message: str) -> int:
    sent = 0
    for to in recipients:
        try:
            sent += send(host, to, message)
        except OSError as err:
            log.exception("Giving up on %s", to, extra={"recipient": to})
            log.exception("Unexpected error")
    return sent
