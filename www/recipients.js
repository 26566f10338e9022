// Recipients of the Encrypted Attributes: the certificates of those who may re-identify what this
// page sanitizes. Imported from a file (PEM or DER) or pasted (PEM), read by the package's own
// parser in the worker (`recipientInfo`), remembered in this browser's localStorage (certificates
// are public; only the certificate is kept, never text around it) and put in each run's settings.
// No private key is ever asked for: re-identifying happens where the key is, not here.

const STORE = "dicom-sanitizer.recipients";

/** `info` (from `recipientInfo`), unless the certificate's validity has ended by `now` (ms):
 * files sealed now should not depend on a key its holder may have retired. */
export function refuseExpired(info, now = Date.now()) {
  if (info.notAfterUnix * 1000 <= now) {
    const message = `the certificate of ${info.subject} expired on ${info.notAfter}`;
    throw Object.assign(new Error(message), { code: "settings.invalid_recipient" });
  }
  return info;
}

/**
 * The list of recipients shown in `list` (an <ul>), with messages in `status`. `read(certificate)`
 * gives the certificate's `recipientInfo` (in the worker). `restore()` reads the remembered ones
 * again (each checked as if new); `add(certificate, label)` takes one in; `pems()` gives the
 * certificates for the settings.
 */
export function createRecipients({ read, list, status, storage = globalThis.localStorage }) {
  let entries = [];

  const check = async (certificate) => refuseExpired(await read(certificate));
  const save = () => storage.setItem(STORE, JSON.stringify(entries.map((e) => e.pem)));

  function say(parts, state) {
    status.replaceChildren(...parts);
    status.dataset.state = state;
  }

  /** A line saying why `label` was refused, with its code. */
  function refusal(label, e) {
    const line = document.createElement("span");
    const code = Object.assign(document.createElement("code"), { textContent: e.code ?? "settings.invalid_recipient" });
    line.append(`${label} refused: `, code, `: ${e.message}`);
    return line;
  }

  function show() {
    list.replaceChildren(...entries.map((entry) => {
      const li = document.createElement("li");
      const remove = Object.assign(document.createElement("button"), { type: "button", textContent: "Remove" });
      remove.onclick = () => {
        entries = entries.filter((e) => e !== entry);
        save();
        show();
        say([`Removed ${entry.subject}.`], "done");
      };
      const subject = Object.assign(document.createElement("span"), { className: "subject", textContent: entry.subject });
      const until = Object.assign(document.createElement("time"), { dateTime: entry.notAfter, textContent: entry.notAfter });
      li.append(subject, " — valid until ", until, " ", remove);
      return li;
    }));
  }

  return {
    pems: () => entries.map((e) => e.pem),

    async add(certificate, label) {
      try {
        const info = await check(certificate);
        if (entries.some((e) => e.pem === info.pem)) {
          say([`${label}: ${info.subject} is already in the list.`], "done");
          return;
        }
        entries.push(info);
        save();
        show();
        say([`Added ${info.subject}.`], "done");
      } catch (e) {
        say([refusal(label, e)], "error");
      }
    },

    async restore() {
      let stored;
      try {
        stored = JSON.parse(storage.getItem(STORE) ?? "[]");
      } catch {
        stored = [];
      }
      entries = [];
      const dropped = [];
      for (const [i, pem] of (Array.isArray(stored) ? stored : []).entries()) {
        try {
          entries.push(await check(pem));
        } catch (e) {
          // Dropped, and said: one that has expired since it was added is not silently kept.
          dropped.push(refusal(`Remembered certificate ${i + 1}`, e));
        }
      }
      save();
      show();
      if (dropped.length) say(dropped, "error");
    },
  };
}
