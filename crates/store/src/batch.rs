//! Group commit for SQLite: reports that arrive while a transaction is being written wait for
//! the next one and share it (at most [`MAX`] a transaction), so one flush to disk serves many
//! senders. Each caller still hears "ok" only after the transaction holding its report has
//! committed; when it fails, every report in it is answered with the error (and none stored).
//! SQLite has one writer at a time anyway; PostgreSQL commits concurrently and needs none of
//! this.

use tokio::sync::{mpsc, oneshot};

use crate::reports::{Inserted, NewReport};
use crate::{Error, Result, Store};

/// The most reports one transaction takes.
pub const MAX: usize = 64;

pub struct Job {
    report: NewReport,
    source: String,
    received_at: i64,
    reply: oneshot::Sender<Result<Inserted>>,
}

/// Hands a report to the writer and waits for its commit.
pub async fn submit(
    writer: &mpsc::Sender<Job>,
    report: NewReport,
    source: &str,
    received_at: i64,
) -> Result<Inserted> {
    let (reply, answer) = oneshot::channel();
    let gone = || Error::Unavailable(sqlx::Error::PoolClosed);
    writer
        .send(Job {
            report,
            source: source.to_string(),
            received_at,
            reply,
        })
        .await
        .map_err(|_| gone())?;
    answer.await.map_err(|_| gone())?
}

/// The writer: takes what is waiting, writes it in one transaction, answers everyone.
pub async fn run(store: Store, mut jobs: mpsc::Receiver<Job>) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX {
            match jobs.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let items: Vec<(&NewReport, &str, i64)> = batch
            .iter()
            .map(|j| (&j.report, j.source.as_str(), j.received_at))
            .collect();
        match store.insert_reports(&items).await {
            Ok(done) => {
                for (j, r) in batch.into_iter().zip(done) {
                    let _ = j.reply.send(Ok(r));
                }
            }
            Err(e) => {
                let msg = e.to_string();
                for j in batch {
                    let _ = j
                        .reply
                        .send(Err(Error::Unavailable(sqlx::Error::Protocol(msg.clone()))));
                }
            }
        }
    }
}
