// Desktop notifications: permission is asked only from a user gesture, and a refusal is final
// and silent. Where the API does not exist (or throws), nothing happens.

export function askNotificationPermission(): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'default') return
  try {
    void Notification.requestPermission().catch(() => {})
  } catch {
    // Some embedders throw instead of rejecting; notifications simply stay off.
  }
}

export function showNotification(title: string, body: string): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return
  try {
    new Notification(title, { body })
  } catch {
    // Same as above: a notification is a nicety, never an error.
  }
}
