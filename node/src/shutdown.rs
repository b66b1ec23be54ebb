//! Stopping a node's tasks together: the node keeps one [`Trigger`]; every task holds a
//! [`Shutdown`] made from it and leaves its loop once the trigger fires.
use tokio::sync::watch;

/// Fires once for all the [`Shutdown`]s subscribed to it.
#[derive(Debug)]
pub struct Trigger {
    tx: watch::Sender<bool>,
}

impl Default for Trigger {
    fn default() -> Trigger {
        Trigger::new()
    }
}

impl Trigger {
    pub fn new() -> Trigger {
        let (tx, _) = watch::channel(false);
        Trigger { tx }
    }

    /// A listener for this trigger; it hears a shutdown that already happened too.
    pub fn subscribe(&self) -> Shutdown {
        Shutdown {
            rx: self.tx.subscribe(),
        }
    }

    /// Tells every listener that the node stops.
    pub fn fire(&self) {
        self.tx.send_replace(true);
    }
}

/// A task's view of the node's shutdown. Clones listen independently.
#[derive(Debug, Clone)]
pub struct Shutdown {
    rx: watch::Receiver<bool>,
}

impl Shutdown {
    /// True once the node stops.
    pub fn is_shutdown(&self) -> bool {
        *self.rx.borrow()
    }

    /// Waits until the node stops (at once if it already has, or if its trigger is gone).
    pub async fn recv(&mut self) {
        let _ = self.rx.wait_for(|stopped| *stopped).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_listener_hears_the_trigger_even_late() {
        let trigger = Trigger::new();
        let mut early = trigger.subscribe();
        assert!(!early.is_shutdown());
        trigger.fire();
        early.recv().await;
        let mut late = trigger.subscribe();
        assert!(late.is_shutdown());
        late.recv().await;
    }

    #[tokio::test]
    async fn a_dropped_trigger_ends_the_wait() {
        let trigger = Trigger::new();
        let mut s = trigger.subscribe();
        drop(trigger);
        s.recv().await;
    }
}
