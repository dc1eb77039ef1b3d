namespace Kindred.Server.Web;

/// <summary>Why an operation did not happen; each maps to one HTTP status (400, 403, 404, 409, 502).</summary>
public enum Failure
{
    None,
    Invalid,
    Forbidden,
    NotFound,
    Conflict,

    /// <summary>Another server could not be reached (502).</summary>
    Unreachable,
}

/// <summary>The result of a group or thread operation, shared by the web pages and the API so both give the same answers.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "Factory methods read best at the call site: Outcome<T>.NotFound().")]
public sealed record Outcome<T>
{
    private static readonly IReadOnlyDictionary<string, string> NoErrors = new Dictionary<string, string>();

    public T? Value { get; init; }
    public Failure Failure { get; init; }
    public IReadOnlyDictionary<string, string> Errors { get; init; } = NoErrors;
    public string? Message { get; init; }

    public bool Ok => Failure == Failure.None;

    public static Outcome<T> Success(T value) => new() { Value = value };
    public static Outcome<T> Invalid(IReadOnlyDictionary<string, string> errors) => new() { Failure = Failure.Invalid, Errors = errors, Message = "Please correct the highlighted fields." };
    public static Outcome<T> Invalid(string field, string message) => Invalid(new Dictionary<string, string> { [field] = message });
    public static Outcome<T> Forbidden(string message) => new() { Failure = Failure.Forbidden, Message = message };
    public static Outcome<T> NotFound(string message = "There is nothing here, or you cannot see it.") => new() { Failure = Failure.NotFound, Message = message };
    public static Outcome<T> Conflict(string message) => new() { Failure = Failure.Conflict, Message = message };
    public static Outcome<T> Unreachable(string message) => new() { Failure = Failure.Unreachable, Message = message };

    public Outcome<TOther> As<TOther>() => new() { Failure = Failure, Errors = Errors, Message = Message };
}
