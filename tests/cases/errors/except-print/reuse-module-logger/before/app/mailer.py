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
        logging.error("SMTP failure for %s: %s", to, e)
        log.critical(f"mail relay {host} is down: {e}")
        print("Could not send mail to", to, "-", e)
        return False
    return True


def notify_all(host: str, recipients: list[str], message: str) -> int:
    sent = 0
    for to in recipients:
        try:
            sent += send(host, to, message)
        except OSError as err:
            log.error("Giving up on %s: %r", to, err, extra={"recipient": to})
            print(err)
    return sent
