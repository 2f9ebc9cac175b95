"""An in-process executor that runs independent steps at once, in threads, in one Dagster run.

Providers are independent and spend their time waiting on the network, so one slow provider
must not hold up the others: their steps run concurrently (at most ``max_concurrent``). Threads
rather than Dagster's multiprocess executor, which spends seconds per step starting a process
and loading the definitions. Steps of one provider (its history and its snapshot share dlt's
state and working folder) run one after another: one lane per provider. The marts step waits
for every provider step to end, and then runs whether they succeeded or not: a failed provider
keeps the rows it loaded, and the marts are rebuilt from them in the same run (the run is
still marked failed).

It is every job's executor (dagster_project/definitions.py): the UI's runs, the schedules'
and the marts sensor's run the same way as `lsw run`'s. Step threads are daemon threads: when
the run is terminated (the UI's Terminate, which interrupts the run's main thread) the run
ends at once and its process exits, cutting a step under way as a SIGKILL would (the days it
was loading are not recorded as loaded, and the next run reads them again).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from contextlib import ExitStack

from dagster import Field, executor
from dagster._core.errors import DagsterExecutionInterruptedError
from dagster._core.events import DagsterEvent, EngineEventData
from dagster._core.execution.api import ExecuteRunWithPlanIterable
from dagster._core.execution.compute_logs import create_compute_log_file_key
from dagster._core.execution.context.system import PlanExecutionContext, PlanOrchestrationContext
from dagster._core.execution.context_creation_job import PlanExecutionContextManager
from dagster._core.execution.plan.active import ActiveExecution
from dagster._core.execution.plan.execute_plan import dagster_event_sequence_for_step
from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext
from dagster._core.execution.plan.outputs import StepOutputHandle
from dagster._core.execution.plan.plan import ExecutionPlan
from dagster._core.execution.plan.step import ExecutionStep
from dagster._core.execution.retries import RetryMode
from dagster._core.execution.step_dependency_config import StepDependencyConfig
from dagster._core.executor.base import Executor
from dagster._core.executor.init import InitExecutorContext

from dagster_project.provider_process import stop_children
from dagster_project.resources import remove_working_dir

DEFAULT_MAX_CONCURRENT = 5  # every provider at once: they wait on different hosts
INTERRUPT_POLL_S = 0.5  # how often the run's thread looks for a termination request
_DONE = None  # a step's thread has ended
_in_flight: set[str] = set()  # step keys running in this process, for an interrupted run's line
_in_flight_lock = threading.Lock()


def steps_in_flight() -> list[str]:
    """The steps this process is running now (what a termination interrupts)."""
    with _in_flight_lock:
        return sorted(_in_flight)


class ThreadedExecutor(Executor):
    """Runs the plan's ready steps in threads of their own; events are handled on the caller's."""

    def __init__(self, max_concurrent: int = DEFAULT_MAX_CONCURRENT) -> None:
        self.max_concurrent = max(1, max_concurrent)

    @property
    def retries(self) -> RetryMode:
        return RetryMode.DISABLED

    @property
    def step_dependency_config(self) -> StepDependencyConfig:
        # a step runs once its upstream steps have ended, whether or not they succeeded
        return StepDependencyConfig(require_upstream_step_success=False)

    def execute(
        self, plan_context: PlanOrchestrationContext, execution_plan: ExecutionPlan
    ) -> Iterator[DagsterEvent]:
        steps = execution_plan.step_keys_to_execute
        yield DagsterEvent.engine_event(
            plan_context,
            f"Executing steps in threads, {self.max_concurrent} at once (pid: {os.getpid()})",
            event_specific_data=EngineEventData.in_process(os.getpid(), steps),
        )

        def iterate(
            job_context: PlanExecutionContext,
            execution_plan: ExecutionPlan,
            instance_concurrency_context: InstanceConcurrencyContext | None = None,
        ) -> Iterator[DagsterEvent]:
            return _threaded_steps(job_context, execution_plan, self.max_concurrent)

        yield from ExecuteRunWithPlanIterable(
            execution_plan=plan_context.execution_plan,
            iterator=iterate,
            execution_context_manager=PlanExecutionContextManager(
                job=plan_context.job,
                retry_mode=plan_context.retry_mode,
                execution_plan=plan_context.execution_plan,
                run_config=plan_context.run_config,
                dagster_run=plan_context.dagster_run,
                instance=plan_context.instance,
                raise_on_error=plan_context.raise_on_error,
                output_capture=plan_context.output_capture,
                step_dependency_config=self.step_dependency_config,
            ),
        )
        # every step has ended (a terminated run never gets here: the next `lsw run` prunes)
        remove_working_dir(plan_context.run_config, plan_context.run_id)


@executor(
    name="lsw_threaded",
    config_schema={"max_concurrent": Field(int, default_value=DEFAULT_MAX_CONCURRENT)},
)
def threaded_executor(init_context: InitExecutorContext) -> ThreadedExecutor:
    """Steps of one run at once, in threads of the run's process (``max_concurrent`` at most)."""
    chosen = init_context.executor_config["max_concurrent"]
    return ThreadedExecutor(chosen if isinstance(chosen, int) else DEFAULT_MAX_CONCURRENT)


def _threaded_steps(
    job_context: PlanExecutionContext, plan: ExecutionPlan, max_concurrent: int
) -> Iterator[DagsterEvent]:
    """Like Dagster's in-process plan iterator, with ready steps started in threads.

    Only this (the run's) thread touches the plan's bookkeeping: step threads hand their
    events over a queue. A step that failed counts as having produced its outputs, so the
    steps downstream of it (the marts) still run, on whatever it loaded.
    """
    events: queue.Queue[tuple[str, DagsterEvent | BaseException | None]] = queue.Queue()
    running: set[str] = set()
    waiting: list[ExecutionStep] = []  # ready, but their provider's lane is busy
    lanes: dict[str, str] = {}
    log_manager = job_context.instance.compute_log_manager
    step_keys = [step.key for step in plan.get_steps_to_execute_in_topo_order()]
    with (
        InstanceConcurrencyContext(job_context.instance, job_context.dagster_run) as concurrency,
        plan.start(
            retry_mode=job_context.retry_mode,
            max_concurrent=max_concurrent,
            instance_concurrency_context=concurrency,
            step_dependency_config=job_context.step_dependency_config,
        ) as active,
        ExitStack() as capture,
    ):
        log_key = log_manager.build_log_key_for_run(
            job_context.run_id, create_compute_log_file_key()
        )
        log_context = capture.enter_context(log_manager.capture_logs(log_key))
        yield DagsterEvent.capture_logs(job_context, step_keys, log_key, log_context)
        while not active.is_complete:
            yield from active.concurrency_event_iterator(job_context)
            waiting.extend(active.get_steps_to_execute())
            busy = {lanes[key] for key in running}
            for step in list(waiting):
                if _lane(step) in busy or len(running) >= max_concurrent:
                    continue
                waiting.remove(step)
                busy.add(_lane(step))
                lanes[step.key] = _lane(step)
                step_context = job_context.for_step(step, active.get_known_state())
                running.add(step.key)
                threading.Thread(
                    target=_run_step,
                    args=(step.key, step_context, events),
                    name=f"lsw-step-{step.key}",
                    daemon=True,  # a terminated run's process exits without waiting for it
                ).start()
            if not running:
                yield from active.plan_events_iterator(job_context)
                if not active.is_complete and not active.has_in_flight_steps:
                    active.sleep_til_ready()
                continue
            if active.check_for_interrupts():  # Terminate, in the UI (or SIGINT/SIGTERM)
                yield from _interrupted(job_context, active, sorted(running))
            try:
                step_key, event = events.get(timeout=INTERRUPT_POLL_S)
            except queue.Empty:
                continue
            if event is _DONE:
                running.discard(step_key)
                active.verify_complete(job_context, step_key)
                yield from active.plan_events_iterator(job_context)
                continue
            if isinstance(event, BaseException):
                raise event  # an error of the executor itself, not of the step's code
            yield event
            if event.is_step_failure:
                for output in plan.get_step_by_key(step_key).step_outputs:
                    active.mark_step_produced_output(StepOutputHandle(step_key, output.name))
            active.handle_event(event)


def _interrupted(
    job_context: PlanExecutionContext, active: ActiveExecution, steps: list[str]
) -> Iterator[DagsterEvent]:
    """Stop the run now: say which steps were cut, then end it as interrupted."""
    yield DagsterEvent.engine_event(
        job_context,
        f"Terminated: stopping at once; steps cut: {', '.join(steps) or 'none'}",
        EngineEventData.interrupted(steps),
    )
    active.mark_interrupted()
    stop_children()  # the providers' processes doing their dlt work
    raise DagsterExecutionInterruptedError(f"terminated while running {', '.join(steps)}")


def _lane(step: ExecutionStep) -> str:
    """The provider a step loads (its assets' first key part): one step per lane at a time."""
    for output in step.step_outputs:
        if output.properties.asset_key is not None:
            return output.properties.asset_key.path[0]
    return step.key


def _run_step(
    step_key: str,
    step_context: object,
    events: queue.Queue[tuple[str, DagsterEvent | BaseException | None]],
) -> None:
    with _in_flight_lock:
        _in_flight.add(step_key)
    try:
        for event in dagster_event_sequence_for_step(step_context):  # type: ignore[arg-type]
            events.put((step_key, event))
    except BaseException as exc:  # handed to the run's thread, which raises it
        events.put((step_key, exc))
    finally:
        with _in_flight_lock:
            _in_flight.discard(step_key)
        events.put((step_key, _DONE))


__all__ = ["ThreadedExecutor", "steps_in_flight", "threaded_executor"]
