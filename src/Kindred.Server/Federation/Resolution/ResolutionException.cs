using System.Net;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Resolution;

public enum ResolutionFailure
{
    Refused,
    Timeout,
    TooLarge,
    TooManyRedirects,
    CrossOriginRedirect,
    Network,
    HttpError,
    Gone,
    Invalid,
}

/// <summary>A remote document could not be fetched or did not say what it must. Message is safe to log.</summary>
public sealed class ResolutionException : Exception
{
    public ResolutionException()
    {
    }

    public ResolutionException(string message)
        : base(message)
    {
    }

    public ResolutionException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ResolutionException(ResolutionFailure failure, string message, HttpStatusCode? status = null, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
        Status = status;
    }

    public ResolutionFailure Failure { get; }

    public HttpStatusCode? Status { get; }
}
