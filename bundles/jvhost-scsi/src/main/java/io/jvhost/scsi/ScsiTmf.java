package io.jvhost.scsi;

/**
 * One task-management function (SAM-5), reused like a task. Executed through
 * {@link ScsiChannel#manage}; its completion runs once on that channel's reactor, after every task it
 * ends has completed back to its own transport queue.
 */
public final class ScsiTmf {
    /** Functions. */
    public enum Function {
        ABORT_TASK, ABORT_TASK_SET, CLEAR_TASK_SET, LOGICAL_UNIT_RESET, I_T_NEXUS_RESET, QUERY_TASK, QUERY_TASK_SET,
        CLEAR_ACA
    }

    /** Service responses. */
    public enum Response { FUNCTION_COMPLETE, FUNCTION_SUCCEEDED, FUNCTION_REJECTED, INCORRECT_LUN }

    @FunctionalInterface
    public interface Completion {
        void tmfCompleted(ScsiTmf tmf);
    }

    private Function function;
    private int lun;
    private long tag;
    private Completion completion;
    private Response response;
    /** Transport's scratch: e.g. the descriptor head of the request. */
    public int transportSlot;

    public ScsiTmf prepare(Function function, int lun, long tag, Completion completion) {
        this.function = function;
        this.lun = lun;
        this.tag = tag;
        this.completion = completion;
        this.response = null;
        return this;
    }

    public Function function() {
        return function;
    }

    public int lun() {
        return lun;
    }

    /** The task an ABORT TASK or QUERY TASK names. */
    public long tag() {
        return tag;
    }

    public Completion completion() {
        return completion;
    }

    public Response response() {
        return response;
    }

    /** SCSI layer. */
    public void setResponse(Response response) {
        this.response = response;
    }
}
