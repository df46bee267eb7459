namespace CleverCloud.Xmpp.Tests.Protocols;

/// <summary>
/// Samples from the XEPs' examples. The XEPs show stanzas without the stream's default namespace; here the root
/// carries xmlns='jabber:client' as it does when the stanza arrives inside a client stream.
/// </summary>
internal static class XepSamples
{
    /// <summary>XEP-0045 §7.2.4 (non-anonymous rooms), "Service Sends New Occupant's Presence to New Occupant".</summary>
    public const string MucSelfPresenceNonAnonymous = """
        <presence xmlns='jabber:client'
            from='coven@chat.shakespeare.lit/thirdwitch'
            id='n13mt3l'
            to='hag66@shakespeare.lit/pda'>
          <x xmlns='http://jabber.org/protocol/muc#user'>
            <item affiliation='member' role='participant'/>
            <status code='100'/>
            <status code='110'/>
            <status code='210'/>
          </x>
        </presence>
        """;

    /// <summary>XEP-0045 §10.1.1, "Service Acknowledges Room Creation".</summary>
    public const string MucRoomCreated = """
        <presence xmlns='jabber:client'
            from='coven@chat.shakespeare.lit/firstwitch'
            to='crone1@shakespeare.lit/desktop'>
          <x xmlns='http://jabber.org/protocol/muc#user'>
            <item affiliation='owner'
                  role='moderator'/>
            <status code='110'/>
            <status code='201'/>
          </x>
        </presence>
        """;

    /// <summary>XEP-0045 §10.1.2, "Owner Requests Instant Room".</summary>
    public const string MucInstantRoom = """
        <iq xmlns='jabber:client' from='crone1@shakespeare.lit/desktop'
            id='create1'
            to='coven@chat.shakespeare.lit'
            type='set'>
          <query xmlns='http://jabber.org/protocol/muc#owner'>
            <x xmlns='jabber:x:data' type='submit'/>
          </query>
        </iq>
        """;

    /// <summary>XEP-0045 §8.2, "Service Removes Kicked Occupant".</summary>
    public const string MucKicked = """
        <presence xmlns='jabber:client'
            from='harfleur@chat.shakespeare.lit/pistol'
            to='pistol@shakespeare.lit/harfleur'
            type='unavailable'>
          <x xmlns='http://jabber.org/protocol/muc#user'>
            <item affiliation='none' role='none'>
              <actor nick='Fluellen'/>
              <reason>Avaunt, you cullion!</reason>
            </item>
            <status code='110'/>
            <status code='307'/>
          </x>
        </presence>
        """;

    /// <summary>XEP-0077 §3.1, "Host Returns Registration Fields to Entity".</summary>
    public const string RegisterFields = """
        <iq xmlns='jabber:client' type='result' id='reg1'>
          <query xmlns='jabber:iq:register'>
            <instructions>
              Choose a username and password for use with this service.
              Please also provide your email address.
            </instructions>
            <username/>
            <password/>
            <email/>
          </query>
        </iq>
        """;

    /// <summary>XEP-0077 §3.1, "Host Informs Entity of Current Registration".</summary>
    public const string RegisterCurrent = """
        <iq xmlns='jabber:client' type='result' id='reg1'>
          <query xmlns='jabber:iq:register'>
            <registered/>
            <username>juliet</username>
            <password>R0m30</password>
            <email>juliet@capulet.com</email>
          </query>
        </iq>
        """;

    /// <summary>XEP-0004 §3.2 (example 2), "Service Returns Bot Creation Form".</summary>
    public const string BotCreationForm = """
        <x xmlns='jabber:x:data' type='form'>
          <title>Bot Configuration</title>
          <instructions>Fill out this form to configure your new bot!</instructions>
          <field type='hidden'
                 var='FORM_TYPE'>
            <value>jabber:bot</value>
          </field>
          <field type='fixed'><value>Section 1: Bot Info</value></field>
          <field type='text-single'
                 label='The name of your bot'
                 var='botname'/>
          <field type='text-multi'
                 label='Helpful description of your bot'
                 var='description'/>
          <field type='boolean'
                 label='Public bot?'
                 var='public'>
            <required/>
          </field>
          <field type='text-private'
                 label='Password for special access'
                 var='password'/>
          <field type='fixed'><value>Section 2: Features</value></field>
          <field type='list-multi'
                 label='What features will the bot support?'
                 var='features'>
            <option label='Contests'><value>contests</value></option>
            <option label='News'><value>news</value></option>
            <option label='Polls'><value>polls</value></option>
            <option label='Reminders'><value>reminders</value></option>
            <option label='Search'><value>search</value></option>
            <value>news</value>
            <value>search</value>
          </field>
          <field type='fixed'><value>Section 3: Subscriber List</value></field>
          <field type='list-single'
                 label='Maximum number of subscribers'
                 var='maxsubs'>
            <value>20</value>
            <option label='10'><value>10</value></option>
            <option label='20'><value>20</value></option>
            <option label='30'><value>30</value></option>
            <option label='50'><value>50</value></option>
            <option label='100'><value>100</value></option>
            <option label='None'><value>none</value></option>
          </field>
          <field type='fixed'><value>Section 4: Invitations</value></field>
          <field type='jid-multi'
                 label='People to invite'
                 var='invitelist'>
            <desc>Tell all your friends about your new bot!</desc>
          </field>
        </x>
        """;

    /// <summary>XEP-0045 §10.1.3, "Service Sends Configuration Form".</summary>
    public const string MucConfigurationForm = """
        <iq xmlns='jabber:client' from='coven@chat.shakespeare.lit'
            id='create1'
            to='crone1@shakespeare.lit/desktop'
            type='result'>
          <query xmlns='http://jabber.org/protocol/muc#owner'>
            <x xmlns='jabber:x:data' type='form'>
              <title>Configuration for "coven" Room</title>
              <instructions>
                  Your room coven@macbeth has been created!
                  The default configuration is as follows:
                    - No logging
                    - No moderation
                    - Up to 20 occupants
                    - No password required
                    - No invitation required
                    - Room is not persistent
                    - Only admins may change the subject
                    - Presence broadcasted for all users
                  To accept the default configuration, click OK. To
                  select a different configuration, please complete
                  this form.
              </instructions>
              <field
                  type='hidden'
                  var='FORM_TYPE'>
                <value>http://jabber.org/protocol/muc#roomconfig</value>
              </field>
              <field
                  label='Natural-Language Room Name'
                  type='text-single'
                  var='muc#roomconfig_roomname'/>
              <field
                  label='Short Description of Room'
                  type='text-single'
                  var='muc#roomconfig_roomdesc'/>
              <field
                  label='Natural Language for Room Discussions'
                  type='text-single'
                  var='muc#roomconfig_lang'/>
              <field
                  label='Enable Public Logging?'
                  type='boolean'
                  var='muc#roomconfig_enablelogging'>
                <value>0</value>
              </field>
              <field
                  label='Allow Occupants to Change Subject?'
                  type='boolean'
                  var='muc#roomconfig_changesubject'>
                <value>0</value>
              </field>
              <field
                  label='Allow Members to Invite Others?'
                  type='boolean'
                  var='muc#roomconfig_allowinvites'>
                <value>0</value>
              </field>
              <field
                  label='Who Can Send Private Messages?'
                  type='list-single'
                  var='muc#roomconfig_allowpm'>
                <value>anyone</value>
                <option label='Anyone'>
                  <value>anyone</value>
                </option>
                <option label='Anyone with Voice'>
                  <value>participants</value>
                  </option>
                <option label='Moderators Only'>
                  <value>moderators</value>
                </option>
                <option label='Nobody'>
                  <value>none</value>
                </option>
              </field>
              <field
                  label='Maximum Number of Occupants'
                  type='list-single'
                  var='muc#roomconfig_maxusers'>
                <value>20</value>
                <option label='10'><value>10</value></option>
                <option label='20'><value>20</value></option>
                <option label='30'><value>30</value></option>
                <option label='50'><value>50</value></option>
                <option label='100'><value>100</value></option>
                <option label='None'><value>none</value></option>
              </field>
              <field
                  label='Roles for which Presence is Broadcasted'
                  type='list-multi'
                  var='muc#roomconfig_presencebroadcast'>
                <value>moderator</value>
                <value>participant</value>
                <value>visitor</value>
                <option label='Moderator'><value>moderator</value></option>
                <option label='Participant'><value>participant</value></option>
                <option label='Visitor'><value>visitor</value></option>
              </field>
              <field
                  label='Roles and Affiliations that May Retrieve Member List'
                  type='list-multi'
                  var='muc#roomconfig_getmemberlist'>
                <value>moderator</value>
                <value>participant</value>
                <value>visitor</value>
                <option label='Moderator'><value>moderator</value></option>
                <option label='Participant'><value>participant</value></option>
                <option label='Visitor'><value>visitor</value></option>
              </field>
              <field
                  label='Make Room Publicly Searchable?'
                  type='boolean'
                  var='muc#roomconfig_publicroom'>
                <value>1</value>
              </field>
              <field
                  label='Make Room Persistent?'
                  type='boolean'
                  var='muc#roomconfig_persistentroom'>
                <value>0</value>
              </field>
              <field
                  label='Make Room Moderated?'
                  type='boolean'
                  var='muc#roomconfig_moderatedroom'>
                <value>0</value>
              </field>
              <field
                  label='Make Room Members-Only?'
                  type='boolean'
                  var='muc#roomconfig_membersonly'>
                <value>0</value>
              </field>
              <field
                  label='Password Required to Enter?'
                  type='boolean'
                  var='muc#roomconfig_passwordprotectedroom'>
                <value>0</value>
              </field>
              <field type='fixed'>
                <value>
                  If a password is required to enter this room,
                  you must specify the password below.
                </value>
              </field>
              <field
                  label='Password'
                  type='text-private'
                  var='muc#roomconfig_roomsecret'/>
              <field
                  label='Who May Discover Real JIDs?'
                  type='list-single'
                  var='muc#roomconfig_whois'>
                <option label='Moderators Only'>
                  <value>moderators</value>
                </option>
                <option label='Anyone'>
                  <value>anyone</value>
                </option>
              </field>
              <field
                  label='Maximum Number of History Messages Returned by Room'
                  type='text-single'
                  var='muc#maxhistoryfetch'>
                <value>50</value>
              </field>
              <field type='fixed'>
                <value>
                  You may specify additional people who have
                  admin status in the room. Please
                  provide one Jabber ID per line.
                </value>
              </field>
              <field
                  label='Room Admins'
                  type='jid-multi'
                  var='muc#roomconfig_roomadmins'/>
              <field type='fixed'>
                <value>
                  You may specify additional owners for this
                  room. Please provide one Jabber ID per line.
                </value>
              </field>
              <field
                  label='Room Owners'
                  type='jid-multi'
                  var='muc#roomconfig_roomowners'/>
            </x>
          </query>
        </iq>
        """;
}
