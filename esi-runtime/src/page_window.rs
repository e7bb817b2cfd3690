//! Fetching the later pages of an `X-Pages` route: a fixed number of requests in flight at
//! every moment, answers handed back in page order.
//!
//! A plain ordered buffer (`StreamExt::buffered`) starts page `k + n` only once page `k` is
//! handed back, so one slow page stalls every slot behind it. Here a slot is refilled as soon
//! as any page finishes; finished pages wait in a reorder buffer, and `window` bounds how far
//! ahead of the next page to hand back a fetch may start (the stream's memory bound).
//! An error is handed back as soon as it arrives: the walk is over. Dropping the stream
//! aborts the fetches still in flight.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use tokio::task::JoinSet;

use crate::error::{Error, Result};

/// Starts the fetch of one page as a task.
pub(crate) type StartPage<P> = Box<dyn FnMut(u32) -> PageTask<P> + Send>;
/// The task fetching one page.
pub(crate) type PageTask<P> = Pin<Box<dyn Future<Output = Result<P>> + Send>>;

/// Pages `first..=last`, fetched `concurrency` at a time, yielded in order.
pub(crate) struct PageWindow<P> {
    start: StartPage<P>,
    operation: &'static str,
    next_start: u32,
    next_yield: u32,
    last: u32,
    concurrency: usize,
    window: u32,
    in_flight: JoinSet<(u32, Result<P>)>,
    done: BTreeMap<u32, P>,
    finished: bool,
}

impl<P: Send + 'static> PageWindow<P> {
    /// `window`: how many pages past the next one to yield may be fetched or held at once
    /// (at least `concurrency`).
    pub(crate) fn new(
        operation: &'static str,
        pages: std::ops::RangeInclusive<u32>,
        concurrency: usize,
        window: u32,
        start: StartPage<P>,
    ) -> Self {
        let concurrency = concurrency.max(1);
        PageWindow {
            start,
            operation,
            next_start: *pages.start(),
            next_yield: *pages.start(),
            last: *pages.end(),
            concurrency,
            window: window.max(u32::try_from(concurrency).unwrap_or(u32::MAX)),
            in_flight: JoinSet::new(),
            done: BTreeMap::new(),
            finished: pages.is_empty(),
        }
    }

    /// Starts the first fetches now, before the stream is first polled.
    pub(crate) fn start(&mut self) {
        self.fill();
    }

    /// Starts fetches while a slot is free and the window allows.
    fn fill(&mut self) {
        while self.in_flight.len() < self.concurrency
            && self.next_start <= self.last
            && self.next_start - self.next_yield < self.window
        {
            let page = self.next_start;
            let task = (self.start)(page);
            self.in_flight.spawn(async move { (page, task.await) });
            self.next_start += 1;
        }
    }

    fn end_with(&mut self, error: Error) -> Poll<Option<Result<P>>> {
        self.finished = true;
        self.in_flight.abort_all();
        self.done.clear();
        Poll::Ready(Some(Err(error)))
    }
}

impl<P: Send + 'static> Stream for PageWindow<P> {
    type Item = Result<P>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.finished || this.next_yield > this.last {
                this.finished = true;
                return Poll::Ready(None);
            }
            if let Some(page) = this.done.remove(&this.next_yield) {
                this.next_yield += 1;
                this.fill();
                return Poll::Ready(Some(Ok(page)));
            }
            this.fill();
            match this.in_flight.poll_join_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    // Nothing in flight and the next page not done: cannot happen while the
                    // window is at least one page; end rather than spin.
                    this.finished = true;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Ok((page, Ok(answer))))) => {
                    this.done.insert(page, answer);
                }
                Poll::Ready(Some(Ok((_, Err(error))))) => return this.end_with(error),
                Poll::Ready(Some(Err(join))) => {
                    if join.is_panic() {
                        std::panic::resume_unwind(join.into_panic());
                    }
                    let operation = this.operation;
                    return this.end_with(Error::Cancelled { operation });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use futures::StreamExt;

    use super::*;

    /// Counts a fetch in flight until it ends or is aborted; keeps the highest count.
    struct Live(Arc<(AtomicUsize, AtomicUsize)>);

    impl Live {
        fn enter(live: Arc<(AtomicUsize, AtomicUsize)>) -> Self {
            let now = live.0.fetch_add(1, Ordering::SeqCst) + 1;
            live.1.fetch_max(now, Ordering::SeqCst);
            Live(live)
        }
    }

    impl Drop for Live {
        fn drop(&mut self) {
            self.0.0.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Page `k` takes `delay(k)` ms; records the most fetches in flight at once.
    fn window(
        pages: std::ops::RangeInclusive<u32>,
        concurrency: usize,
        window: u32,
        delay: fn(u32) -> u64,
        live: Arc<(AtomicUsize, AtomicUsize)>,
    ) -> PageWindow<u32> {
        PageWindow::new(
            "test",
            pages,
            concurrency,
            window,
            Box::new(move |page| {
                let live = live.clone();
                Box::pin(async move {
                    let _live = Live::enter(live);
                    tokio::time::sleep(Duration::from_millis(delay(page))).await;
                    if page == 0 {
                        return Err(Error::Cancelled { operation: "boom" });
                    }
                    Ok(page)
                })
            }),
        )
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_page_does_not_stall_the_others() {
        let live = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
        // Page 2 takes 100 ms, every other page 10 ms: with 4 slots, the other 18 pages go
        // through the 3 free slots while page 2 is out (60 ms), so the walk takes 100 ms.
        let started = tokio::time::Instant::now();
        let pages: Vec<u32> = window(
            2..=20,
            4,
            100,
            |p| if p == 2 { 100 } else { 10 },
            live.clone(),
        )
        .map(|p| p.unwrap())
        .collect()
        .await;
        assert_eq!(pages, (2..=20).collect::<Vec<_>>());
        assert_eq!(started.elapsed(), Duration::from_millis(100));
        assert_eq!(live.1.load(Ordering::SeqCst), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn the_window_bounds_how_far_ahead_pages_are_fetched() {
        let live = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
        // Window 4: while page 1 is out, only pages 2..=4 may finish; page 5 waits for it.
        let mut stream = window(
            1..=10,
            4,
            4,
            |p| if p == 1 { 100 } else { 10 },
            live.clone(),
        );
        assert_eq!(stream.next().await.unwrap().unwrap(), 1);
        // Pages 2..=4 wait done, page 5 is out: four pages held, none further started.
        assert_eq!(stream.done.len(), 3);
        assert_eq!(stream.next_start, 6);
        assert_eq!(stream.in_flight.len(), 1);
        let rest: Vec<u32> = stream.map(|p| p.unwrap()).collect().await;
        assert_eq!(rest, (2..=10).collect::<Vec<_>>());
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_ends_the_walk_at_once_and_aborts_the_rest() {
        let live = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
        // "Page 0" fails after 5 ms while pages 1..=3 are still out.
        let items: Vec<Result<u32>> = window(
            0..=30,
            4,
            100,
            |p| if p == 0 { 5 } else { 50 },
            live.clone(),
        )
        .collect()
        .await;
        assert_eq!(items.len(), 1);
        assert!(matches!(
            items[0],
            Err(Error::Cancelled { operation: "boom" })
        ));
        tokio::task::yield_now().await;
        assert_eq!(
            live.0.load(Ordering::SeqCst),
            0,
            "the fetches in flight were aborted"
        );
    }

    #[tokio::test]
    async fn an_empty_range_yields_nothing() {
        let live = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
        // A route with one page: the later pages are 2..=1.
        let total = 1;
        let items: Vec<Result<u32>> = window(2..=total, 4, 8, |_| 1, live.clone()).collect().await;
        assert!(items.is_empty());
        assert_eq!(live.1.load(Ordering::SeqCst), 0);
    }
}
