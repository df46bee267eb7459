using System.Globalization;
using CleverCloud.Xmpp.Protocols.Forms;

namespace CleverCloud.Xmpp.Protocols.Muc;

/// <summary>
/// The room settings an owner wants, applied to the configuration form the server sent (XEP-0045 §10.2, field names
/// from the muc#roomconfig FORM_TYPE, §15.5.3). Each setting left null keeps the server's value. Servers differ in
/// which fields they offer (Prosody and ejabberd both omit some), so only fields the form contains are filled, and
/// the result says which requested settings could not be expressed.
/// </summary>
public sealed class MucRoomConfig
{
    public const string FormType = "http://jabber.org/protocol/muc#roomconfig";
    public const string MembersOnlyField = "muc#roomconfig_membersonly";
    public const string WhoIsField = "muc#roomconfig_whois";
    public const string PersistentField = "muc#roomconfig_persistentroom";
    public const string PublicField = "muc#roomconfig_publicroom";
    public const string ModeratedField = "muc#roomconfig_moderatedroom";
    public const string PasswordProtectedField = "muc#roomconfig_passwordprotectedroom";
    public const string RoomSecretField = "muc#roomconfig_roomsecret";
    public const string PresenceBroadcastField = "muc#roomconfig_presencebroadcast";
    public const string MaxUsersField = "muc#roomconfig_maxusers";
    public const string AllowInvitesField = "muc#roomconfig_allowinvites";

    public bool? MembersOnly { get; init; }

    /// <summary>True: every occupant sees real JIDs (whois = anyone); false: only moderators do.</summary>
    public bool? NonAnonymous { get; init; }

    public bool? Persistent { get; init; }

    public bool? Public { get; init; }

    public bool? Moderated { get; init; }

    public bool? PasswordProtected { get; init; }

    public bool? AllowInvites { get; init; }

    /// <summary>The roles whose presence the room broadcasts; [moderator] keeps large rooms quiet.</summary>
    public IReadOnlyList<MucRole>? PresenceBroadcast { get; init; }

    /// <summary>The occupant limit; zero means "no limit" ("none").</summary>
    public int? MaxUsers { get; init; }

    /// <summary>
    /// The CleverCloud control room: members-only, non-anonymous (the CM must see which account each occupant is),
    /// persistent, hidden, unmoderated, without password or invitations.
    /// </summary>
    public static MucRoomConfig ControlRoom(int? maxUsers = null, IReadOnlyList<MucRole>? presenceBroadcast = null) => new()
    {
        MembersOnly = true,
        NonAnonymous = true,
        Persistent = true,
        Public = false,
        Moderated = false,
        PasswordProtected = false,
        AllowInvites = false,
        MaxUsers = maxUsers,
        PresenceBroadcast = presenceBroadcast,
    };

    /// <summary>Builds the submit form answering <paramref name="serverForm"/> with these settings.</summary>
    public MucRoomConfigResult ApplyTo(DataForm serverForm)
    {
        ArgumentNullException.ThrowIfNull(serverForm);
        var submit = serverForm.CreateSubmit();
        if (!submit.HasField(DataForm.FormTypeField))
        {
            submit.AddField(new FormField(DataForm.FormTypeField, FormFieldType.Hidden, FormType));
        }

        var missing = new List<string>();
        var rejected = new List<string>();

        void Apply(string field, string? value)
        {
            if (value is null)
            {
                return;
            }

            var offered = serverForm.Field(field);
            if (offered is null)
            {
                missing.Add(field);
            }
            else if (offered.RejectsOption(value))
            {
                rejected.Add($"{field}={value} (the server offers {string.Join(", ", offered.Options.Select(static o => o.OptionValue))})");
            }
            else
            {
                submit.SetValue(field, value);
            }
        }

        Apply(MembersOnlyField, Boolean(MembersOnly));
        Apply(WhoIsField, NonAnonymous is null ? null : NonAnonymous.Value ? "anyone" : "moderators");
        Apply(PersistentField, Boolean(Persistent));
        Apply(PublicField, Boolean(Public));
        Apply(ModeratedField, Boolean(Moderated));
        ApplyPassword(serverForm, submit, missing);
        Apply(AllowInvitesField, Boolean(AllowInvites));
        Apply(MaxUsersField, MaxUsers switch
        {
            null => null,
            0 => "none",
            < 0 => throw new InvalidOperationException($"MaxUsers {MaxUsers} is negative"),
            var limit => limit.Value.ToString(CultureInfo.InvariantCulture),
        });

        if (PresenceBroadcast is not null)
        {
            var offered = serverForm.Field(PresenceBroadcastField);
            var roles = PresenceBroadcast.Select(static role => role.ToName()).ToList();
            var refused = offered is null ? [] : roles.Where(offered.RejectsOption).ToList();
            if (offered is null)
            {
                missing.Add(PresenceBroadcastField);
            }
            else if (refused.Count > 0)
            {
                rejected.Add($"{PresenceBroadcastField}={string.Join(",", refused)} (not among the server's options)");
            }
            else
            {
                submit.SetValues(PresenceBroadcastField, roles);
            }
        }

        return new MucRoomConfigResult(submit, missing, rejected);
    }

    /// <summary>
    /// Some servers (Prosody) have no password flag: a room is protected exactly when its secret is non-empty. So
    /// "no password" clears the secret wherever there is one, and is only missing when the form has neither field.
    /// </summary>
    private void ApplyPassword(DataForm serverForm, DataForm submit, List<string> missing)
    {
        if (PasswordProtected is null)
        {
            return;
        }

        var hasFlag = serverForm.HasField(PasswordProtectedField);
        var hasSecret = serverForm.HasField(RoomSecretField);
        if (PasswordProtected.Value)
        {
            // Turning protection on needs a secret, which this type does not carry: the caller sets it on the form.
            if (hasFlag)
            {
                submit.SetBoolean(PasswordProtectedField, true);
            }
            else
            {
                missing.Add(PasswordProtectedField);
            }

            return;
        }

        if (hasFlag)
        {
            submit.SetBoolean(PasswordProtectedField, false);
        }

        if (hasSecret)
        {
            submit.SetValue(RoomSecretField, null);
        }

        if (!hasFlag && !hasSecret)
        {
            missing.Add(PasswordProtectedField);
        }
    }

    private static string? Boolean(bool? value) => value is null ? null : value.Value ? "1" : "0";
}

/// <summary>The outcome of <see cref="MucRoomConfig.ApplyTo"/>.</summary>
/// <param name="SubmitForm">The form to send in <see cref="MucOwner.CreateConfigurationSubmit"/>.</param>
/// <param name="MissingFields">Requested settings whose field the server's form does not have.</param>
/// <param name="RejectedValues">Requested values outside the options the server offers, left at the server's value.</param>
public sealed record MucRoomConfigResult(DataForm SubmitForm, IReadOnlyList<string> MissingFields, IReadOnlyList<string> RejectedValues)
{
    /// <summary>Every requested setting made it into the form.</summary>
    public bool IsComplete => MissingFields.Count == 0 && RejectedValues.Count == 0;
}
