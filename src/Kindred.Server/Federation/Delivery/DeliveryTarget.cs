using Kindred.Server.Web;
namespace Kindred.Server.Federation.Delivery;

/// <summary>
/// One recipient of an activity: its personal inbox and, when it advertises one, its instance's shared inbox
/// (<c>endpoints.sharedInbox</c>, ActivityPub §7.1.3).
/// </summary>
public sealed record DeliveryTarget(Uri Inbox, Uri? SharedInbox = null);
